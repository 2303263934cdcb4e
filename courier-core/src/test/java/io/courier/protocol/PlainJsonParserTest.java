package io.courier.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.courier.json.JsonCodec;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PlainJsonParser} against Jackson: what it accepts, Jackson accepts, with the same tree, node class by node
 * class; what it declines goes to Jackson, so declining is always safe, accepting never more than Jackson is the
 * property that matters.
 */
class PlainJsonParserTest {

    private static final ObjectMapper MAPPER = JsonCodec.mapper();
    private static final ObjectReader JACKSON = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final PlainJsonParser PLAIN = PlainJsonParser.forMapper(MAPPER);

    /** Documents like the ones clients send, which the parser must read itself (not decline). */
    private static final String[] VALID = {
        "[\"echo\",{\"seq\":123456,\"ts\":1733231234567890,\"payload\":\"abcdefghijklmnopqrstuvwxyz\"}]",
        "[\"chat\",\"hello\",42,-7,0,-0,3.25,-0.5,1e3,2E-2,6.02e+23,true,false,null]",
        "{\"a\":{\"b\":[1,[2,[3,{}]],[]],\"c\":\"\\u00e9\\n\\t\\\"\\\\\\/\\b\\f\\r\"},\"k\":1,\"k\":2}",
        " [ 1 , { \"x\" : [ ] } ]\n",
        "[2147483647,2147483648,-2147483648,-2147483649,999999999999999999,-999999999999999999]",
        "[\"\\ud83d\\ude00\",\"\\uD800\",\"\u2028\",\"\u007f\",\"\"]",
        "\"a string\"",
        "42",
    };

    @Test
    void readsPlainDocumentsAsJacksonDoes() throws Exception {
        for (String json : VALID) {
            JsonNode plain = PLAIN.parse("2" + json, 1);
            assertThat(plain).as(json).isNotNull();
            assertSameTree(plain, JACKSON.readTree(json));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "[",
                "]",
                "[1,]",
                "[,1]",
                "{\"a\"}",
                "{\"a\":}",
                "{a:1}",
                "{\"a\":1,}",
                "['a']",
                "[01]",
                "[-]",
                "[1.]",
                "[.5]",
                "[1e]",
                "[1e+]",
                "[+1]",
                "[NaN]",
                "[Infinity]",
                "[tru]",
                "[nul]",
                "[True]",
                "[1] [2]",
                "[1]x",
                "\"\\x\"",
                "\"\\u12\"",
                "\"\\u12g4\"",
                "\"tab\there\"",
                "\"unterminated",
                "// c\n1",
                "[1 2]",
                "{\"a\":1 \"b\":2}",
                "[1e400]",
                "[12345678901234567890]",
                "\uFEFF[1]",
                "\"\\u\uFF10\uFF10\uFF11\uFF12\"",
                "[\u0661]",
            })
    void declinesWhatItDoesNotHandle(String json) {
        assertThat(PLAIN.parse("2" + json, 1)).isNull();
    }

    /**
     * Names repeat from one document to the next: a recent one is kept and not copied out of the text again, and
     * names that take each other's places in the cache, long names and escaped names each read as themselves.
     */
    @Test
    void keepsRecentNamesAndReadsEveryNameAsItself() throws Exception {
        PlainJsonParser parser = PlainJsonParser.forMapper(MAPPER);
        JsonNode first = parser.parse("[\"echo\",{\"seq\":1,\"ts\":2}]", 0);
        JsonNode second = parser.parse("[\"echo\",{\"seq\":3}]", 0);
        assertThat(second.get(1).fieldNames().next())
                .isEqualTo("seq")
                .isSameAs(first.get(1).fieldNames().next());
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 2_000; i++) {
            many.append(i == 0 ? "" : ",").append("\"n").append(i).append("\":").append(i);
        }
        many.append(",\"").append("long".repeat(20)).append("\":1,\"esc\\u0061ped\":2,\"seq\":5}");
        for (int round = 0; round < 2; round++) {
            assertSameTree(parser.parse(many.toString(), 0), JACKSON.readTree(many.toString()));
        }
    }

    @Test
    void declinesNestingDeeperThanItsLimit() {
        String deep = "[".repeat(PlainJsonParser.MAX_DEPTH + 1) + "]".repeat(PlainJsonParser.MAX_DEPTH + 1);
        String limit = "[".repeat(PlainJsonParser.MAX_DEPTH) + "]".repeat(PlainJsonParser.MAX_DEPTH);
        assertThat(PLAIN.parse(deep, 0)).isNull();
        assertThat(PLAIN.parse(limit, 0)).isNotNull();
    }

    @Test
    void keepsWithinTheMappersConstraints() {
        ObjectMapper strict = JsonMapper.builder().build();
        strict.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(2)
                        .maxStringLength(3)
                        .maxNumberLength(4)
                        .build());
        PlainJsonParser parser = PlainJsonParser.forMapper(strict);
        assertThat(parser.parse("[[1]]", 0)).isNotNull();
        assertThat(parser.parse("[[[1]]]", 0)).isNull();
        assertThat(parser.parse("[\"abc\"]", 0)).isNotNull();
        assertThat(parser.parse("[\"abcd\"]", 0)).isNull();
        assertThat(parser.parse("[\"ab\\u0063d\"]", 0)).isNull();
        assertThat(parser.parse("[-1234]", 0)).isNotNull();
        assertThat(parser.parse("[12345]", 0)).isNull();
        assertThat(parser.parse("[1.5]", 0)).isNotNull();
        assertThat(parser.parse("[1.25e1]", 0)).isNull();

        ObjectMapper duplicatesRefused = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
        assertThat(PlainJsonParser.forMapper(duplicatesRefused)).isNull();
    }

    /** Random edits of valid documents: whatever the parser accepts, Jackson accepts, with the same tree. */
    @Test
    void neverAcceptsMoreThanJackson() throws Exception {
        long seed = 20261204L;
        Random random = new Random(seed);
        String alphabet = "[]{}\",:-+.eE0123456789 \t\n\\/ubfnrtal\u0000\u001f\u00e9x";
        int accepted = 0;
        int checked = 0;
        for (int n = 0; n < 30_000; n++) {
            StringBuilder doc = new StringBuilder(VALID[random.nextInt(VALID.length)]);
            for (int edits = 1 + random.nextInt(3); edits > 0 && doc.length() > 0; edits--) {
                int at = random.nextInt(doc.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> doc.insert(at, c);
                    case 1 -> doc.deleteCharAt(at);
                    default -> doc.setCharAt(at, c);
                }
            }
            String json = doc.toString();
            JsonNode plain = PLAIN.parse(json, 0);
            if (plain == null) {
                continue;
            }
            accepted++;
            JsonNode jackson;
            try {
                jackson = JACKSON.readTree(json);
            } catch (Exception e) {
                throw new AssertionError("accepted what Jackson refuses (seed " + seed + "): " + json, e);
            }
            assertSameTree(plain, jackson);
            checked++;
        }
        assertThat(checked).isEqualTo(accepted).isGreaterThan(1_000); // edits that kept a document valid
    }

    static void assertSameTree(JsonNode actual, JsonNode expected) {
        assertThat(actual).isEqualTo(expected);
        assertSameClasses(actual, expected);
    }

    private static void assertSameClasses(JsonNode actual, JsonNode expected) {
        assertThat(actual.getClass()).as("%s", expected).isEqualTo(expected.getClass());
        if (expected.isArray()) {
            for (int i = 0; i < expected.size(); i++) {
                assertSameClasses(actual.get(i), expected.get(i));
            }
        } else if (expected.isObject()) {
            assertThat(actual.fieldNames()).toIterable().containsExactlyElementsOf(() -> expected.fieldNames());
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertSameClasses(actual.get(e.getKey()), e.getValue());
            }
        }
    }
}
