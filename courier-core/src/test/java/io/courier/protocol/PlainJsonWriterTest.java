package io.courier.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.json.JsonCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PlainJsonWriter} against Jackson's generator: the same bytes, or it declines. */
class PlainJsonWriterTest {

    private static final ObjectMapper MAPPER = JsonCodec.mapper();
    private static final ObjectWriter JACKSON = MAPPER.writer();
    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();
    private static final byte[] PREFIX = "43".getBytes(StandardCharsets.US_ASCII);

    @Test
    void writesAnEchosAckAsJacksonDoes() throws Exception {
        JsonNode ack = MAPPER.readTree("[{\"seq\":123456,\"ts\":1733231234567890,\"payload\":\"abc\",\"ok\":true,"
                + "\"none\":null,\"x\":-0.5,\"list\":[1,[],{}]}]");
        assertWrittenAsJacksonDoes(ack);
    }

    @Test
    void escapesAsJacksonDoes() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x100; c++) {
            all.append(c);
        }
        all.append("\u0800\u2028\uFFFF€é/\\\"");
        assertWrittenAsJacksonDoes(NODES.arrayNode().add(all.toString()));
        assertWrittenAsJacksonDoes(NODES.objectNode().put(all.toString(), 1));
    }

    /**
     * Room is made for one byte per character, then more where a character takes more: long strings whose escapes and
     * multi-byte characters come first, last or throughout come out as Jackson writes them.
     */
    @Test
    void longStringsWithEscapesAndMultiByteCharactersAnywhereAsJacksonDoes() throws Exception {
        String plain = "x".repeat(1000);
        for (String tail :
                new String[] {"\u0001".repeat(300), "\"\\".repeat(300), "é".repeat(300), "\u20AC".repeat(300)}) {
            assertWrittenAsJacksonDoes(NODES.arrayNode().add(plain + tail));
            assertWrittenAsJacksonDoes(NODES.arrayNode().add(tail + plain));
            assertWrittenAsJacksonDoes(
                    NODES.arrayNode().add(tail + plain + tail).add(plain));
            assertWrittenAsJacksonDoes(NODES.objectNode().put(tail + plain, plain + tail));
        }
    }

    @Test
    void writesIntegersAsJacksonDoes() throws Exception {
        ArrayNode numbers = NODES.arrayNode();
        for (long v : new long[] {
            0,
            -1,
            9,
            10,
            -10,
            99,
            100,
            Integer.MAX_VALUE,
            Integer.MIN_VALUE,
            Long.MAX_VALUE,
            Long.MIN_VALUE + 1,
            Long.MIN_VALUE,
            1_000_000_000_000_000_000L,
            -999_999_999_999_999_999L
        }) {
            numbers.add(v);
            assertWrittenAsJacksonDoes(NODES.arrayNode().add(v));
        }
        numbers.add(7).add(-7);
        assertWrittenAsJacksonDoes(numbers);
    }

    @Test
    void declinesWhatItDoesNotWrite() {
        for (JsonNode node : new JsonNode[] {
            NODES.textNode("\uD83D\uDE00"),
            NODES.textNode("lone \uD800"),
            NODES.numberNode(BigInteger.TEN.pow(30)),
            NODES.numberNode(new BigDecimal("1.5")),
            NODES.numberNode(1.5f),
            NODES.numberNode(Double.NaN),
            NODES.numberNode(Double.POSITIVE_INFINITY),
            NODES.binaryNode(new byte[] {1}),
            NODES.pojoNode(new Object()),
            NODES.objectNode().set("\uD800", NODES.nullNode()),
        }) {
            assertThat(PlainJsonWriter.write(PREFIX, NODES.arrayNode().add(node)))
                    .as("%s", node)
                    .isNull();
        }
        JsonNode deep = NODES.arrayNode();
        for (int i = 0; i < PlainJsonWriter.MAX_DEPTH; i++) {
            deep = NODES.arrayNode().add(deep);
        }
        assertThat(PlainJsonWriter.write(PREFIX, deep)).isNull();
        assertThat(PlainJsonWriter.write(PREFIX, deep.get(0))).isNotNull();
    }

    @Test
    void isNotUsedForAMapperThatWritesOtherwise() {
        assertThat(PlainJsonWriter.writesLikeJackson(MAPPER)).isTrue();
        assertThat(PlainJsonWriter.writesLikeJackson(JsonMapper.builder()
                        .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
                        .build()))
                .isFalse();
        assertThat(PlainJsonWriter.writesLikeJackson(JsonMapper.builder()
                        .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                        .build()))
                .isFalse();
    }

    /** Random trees of every plain kind, strings of random characters: the same bytes as Jackson's. */
    @Test
    void writesRandomTreesAsJacksonDoes() throws Exception {
        Random random = new Random(20261204L);
        int written = 0;
        for (int n = 0; n < 5_000; n++) {
            JsonNode tree = randomTree(random, 0);
            byte[] plain = PlainJsonWriter.write(PREFIX, tree);
            if (plain != null) {
                written++;
                assertThat(new String(plain, StandardCharsets.UTF_8))
                        .isEqualTo(new String(PREFIX, StandardCharsets.US_ASCII) + JACKSON.writeValueAsString(tree));
                assertThat(Arrays.copyOfRange(plain, PREFIX.length, plain.length))
                        .isEqualTo(JACKSON.writeValueAsBytes(tree));
            }
        }
        assertThat(written).isGreaterThan(2_500);
    }

    private static JsonNode randomTree(Random random, int depth) {
        int kind = random.nextInt(depth > 4 ? 6 : 8);
        return switch (kind) {
            case 0 -> NODES.textNode(randomString(random));
            case 1 -> NODES.numberNode(random.nextInt());
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 ->
                NODES.numberNode(
                        random.nextBoolean() ? random.nextDouble() * Math.pow(10, random.nextInt(40) - 20) : -0.0);
            case 4 -> NODES.booleanNode(random.nextBoolean());
            case 5 -> NODES.nullNode();
            case 6 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomTree(random, depth + 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(randomString(random), randomTree(random, depth + 1));
                }
                yield object;
            }
        };
    }

    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            s.append(
                    switch (random.nextInt(5)) {
                        case 0 -> (char) random.nextInt(0x20);
                        case 1 -> (char) (0x80 + random.nextInt(0x780));
                        case 2 -> (char) (0x800 + random.nextInt(0xF800)); // now and then a surrogate
                        default -> (char) (0x20 + random.nextInt(0x60));
                    });
        }
        return s.toString();
    }

    private static void assertWrittenAsJacksonDoes(JsonNode tree) throws Exception {
        byte[] plain = PlainJsonWriter.write(PREFIX, tree);
        assertThat(plain).isNotNull();
        assertThat(new String(plain, StandardCharsets.UTF_8))
                .isEqualTo(new String(PREFIX, StandardCharsets.US_ASCII) + JACKSON.writeValueAsString(tree));
    }
}
