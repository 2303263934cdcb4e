package io.courier.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.ByteBuffer;

/**
 * The one Jackson mapper Courier uses, and the conversion of emit arguments into JSON trees.
 *
 * <p>Parsing limits (per JSON document; messages are also bounded by maxHttpBufferSize): nesting depth 1000, numbers
 * of 100 digits (JSON.stringify never writes more than about 21), strings of 20,000,000 characters. A document beyond them is a protocol error.
 */
public final class JsonCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build().findAndRegisterModules();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(1000)
                        .maxNumberLength(100)
                        .maxStringLength(20_000_000)
                        .build());
    }

    private JsonCodec() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Converts emit arguments into a JSON array: {@code byte[]} and {@link ByteBuffer} become binary nodes (binary
     * attachments on the wire), {@link JsonNode}s are used as they are, anything else goes through Jackson.
     */
    public static ArrayNode toArray(String event, Object[] args) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode(args.length + 1);
        if (event != null) {
            array.add(event);
        }
        for (Object a : args) {
            array.add(toNode(a));
        }
        return array;
    }

    public static JsonNode toNode(Object value) {
        if (value == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (value instanceof JsonNode n) {
            return n;
        }
        if (value instanceof byte[] b) {
            return JsonNodeFactory.instance.binaryNode(b);
        }
        if (value instanceof ByteBuffer bb) {
            byte[] b = new byte[bb.remaining()];
            bb.duplicate().get(b);
            return JsonNodeFactory.instance.binaryNode(b);
        }
        if (value instanceof String s) {
            return JsonNodeFactory.instance.textNode(s);
        }
        return MAPPER.valueToTree(value);
    }
}
