package io.courier.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.DecimalNode;
import io.courier.json.JsonCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonPayloadReaderTest {

    private static final String PREFIX = "42[\"e\",";

    /** The tree read, by the plain parser or by Jackson, is Jackson's own tree: equal, node class by node class. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"seq\":123456,\"ts\":1733231234567890,\"payload\":\"abc\"}",
                "[1,-1,2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,9223372036854775808,-0]",
                "[999999999999999999,-999999999999999999,1000000000000000000,12345678901234567890123]",
                "[0.1,1e400,-1e-400,123456789012345678901234567890.123456789]",
                "[1.5,-0.0,1e3,1E-7,3.141592653589793,1e308,12345678901234567890.5]",
                "[true,false,null,\"\",\"\\u00e9\\n\\\"\",\"\\ud83d\\ude00\"]",
                "{\"a\":{\"b\":{\"c\":[[],[{}],{\"d\":[1,[2,[3,[4,[5,[6,[7,[8,[9]]]]]]]]]}]}}}",
                "{\"k\":1,\"k\":2,\"n\":null}",
                "[[[[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]]]]",
                "\"just a string\"",
                "42",
                "  {\"spaces\" : [ 1 , 2 ] }  ",
            })
    void buildsTheTreeJacksonBuilds(String json) throws Exception {
        ObjectMapper mapper = JsonCodec.mapper();
        JsonNode expected = mapper.readTree(json);
        JsonNode actual = new JsonPayloadReader(mapper).read(PREFIX + json, PREFIX.length());
        PlainJsonParserTest.assertSameTree(actual, expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1] 2", "{} {}", "\"a\" \"b\""})
    void rejectsASecondValue(String json) {
        assertThatThrownBy(() -> new JsonPayloadReader(JsonCodec.mapper()).read(PREFIX + json, PREFIX.length()))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessageStartingWith("invalid json (at position " + (PREFIX.length() + json.lastIndexOf(' ') + 1)
                        + "): Trailing token");
    }

    /** A mapper whose features change trees gets its own reader's trees (here, big decimals for fractions). */
    @Test
    void decodersOfOneMapperShareOneReaderAndAnotherMapperGetsItsOwn() {
        ObjectMapper other = JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        JsonPayloadReader shared = JsonPayloadReader.of(JsonCodec.mapper());
        assertThat(JsonPayloadReader.of(JsonCodec.mapper())).isSameAs(shared);
        JsonPayloadReader own = JsonPayloadReader.of(other);
        assertThat(own).isNotSameAs(shared);
        assertThat(own.read(PREFIX + "[1.5]", PREFIX.length()).get(0)).isInstanceOf(DecimalNode.class);
        assertThat(JsonPayloadReader.of(JsonCodec.mapper())
                        .read(PREFIX + "[1.5]", PREFIX.length())
                        .get(0))
                .isNotInstanceOf(DecimalNode.class);
    }

    @Test
    void readsThroughTheMapperWhenItsFeaturesChangeTheTree() {
        String json = "[1.5]";
        ObjectMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        JsonNode tree = new JsonPayloadReader(mapper).read(PREFIX + json, PREFIX.length());
        assertThat(tree.get(0)).isInstanceOf(DecimalNode.class);
    }
}
