package io.courier.standalone;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The hub's Jackson mapper for its own JSON (HTTP API bodies and answers, token headers and claims), with the
 * library's parsing limits: nesting depth 1000, numbers of 100 digits, strings of 20,000,000 characters. A document
 * beyond them is refused like any other malformed one.
 */
final class HubJson {
    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(1000)
                            .maxNumberLength(100)
                            .maxStringLength(20_000_000)
                            .build())
                    .build())
            .build()
            .findAndRegisterModules();

    private HubJson() {}
}
