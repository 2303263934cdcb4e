package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.internal.SmallStringMap;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link RequestTarget}: the path and query as the reference server reads them, in one pass. */
class RequestTargetTest {
    private static Map<String, String> firstValues(RequestTarget t) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < t.size(); i++) {
            if (t.first(i)) {
                out.put(t.name(i), t.value(i));
            }
            assertThat(t.param(t.name(i))).isEqualTo(out.get(t.name(i)));
        }
        return out;
    }

    @Test
    void aHandshakeTargetSharesItsCommonNamesAndValues() {
        RequestTarget t = RequestTarget.parse("/socket.io/?EIO=4&transport=websocket");
        assertThat(t.path()).isSameAs(CommonStrings.value("/socket.io/"));
        assertThat(t.size()).isEqualTo(2);
        assertThat(t.name(0)).isSameAs(CommonStrings.value("EIO"));
        assertThat(t.value(0)).isSameAs(CommonStrings.value("4"));
        assertThat(t.name(1)).isSameAs(CommonStrings.value("transport"));
        assertThat(t.value(1)).isSameAs(CommonStrings.value("websocket"));
        assertThat(t.param("sid")).isNull();
    }

    @Test
    void readsParametersAsNodesQuerystringDoes() {
        // split on & only; the first = separates; no = is an empty value; + is a space in the query, not in the path
        RequestTarget t = RequestTarget.parse("/a+b%20c/?x=1;y=2&flag&e=a=b&p=1+2%2B3&&q=%E2%82%AC#x=9");
        assertThat(t.path()).isEqualTo("/a+b c/");
        assertThat(firstValues(t))
                .containsExactly(
                        Map.entry("x", "1;y=2"),
                        Map.entry("flag", ""),
                        Map.entry("e", "a=b"),
                        Map.entry("p", "1 2+3"),
                        Map.entry("q", "€"));
    }

    @Test
    void aSessionKeepsTheLastRequestsQueryWhenEqual() {
        CourierHttpServer.Routes routes = new CourierHttpServer.Routes();
        Map<String, String> first = routes.sharedQuery(RequestTarget.parse("/socket.io/?EIO=4&transport=websocket"));
        assertThat(first).containsExactly(Map.entry("EIO", "4"), Map.entry("transport", "websocket"));
        assertThat(routes.sharedQuery(RequestTarget.parse("/socket.io/?EIO=4&transport=websocket")))
                .isSameAs(first);
        assertThat(routes.sharedQuery(RequestTarget.parse("/socket.io/?transport=websocket&EIO=4")))
                .isNotSameAs(first) // another order is another map, with the same entries
                .isEqualTo(first);
        Map<String, String> other = routes.sharedQuery(RequestTarget.parse("/socket.io/?EIO=4&transport=polling"));
        assertThat(other).isNotSameAs(first).containsEntry("transport", "polling");
        assertThat(routes.sharedQuery(RequestTarget.parse("/socket.io/?EIO=4&transport=polling&t=1")))
                .isNotSameAs(other)
                .hasSize(3);
        assertThat(routes.sharedQuery(RequestTarget.parse("/socket.io/?EIO=4&EIO=5&transport=polling&t=1")))
                .containsEntry("EIO", "4")
                .hasSize(3);
    }

    @Test
    void queryEqualsComparesEachNamesFirstValueInOrder() {
        RequestTarget t = RequestTarget.parse("/?a=1&b=2&a=3");
        assertThat(t.queryEquals(query("a", "1", "b", "2"))).isTrue();
        assertThat(t.queryEquals(query("b", "2", "a", "1"))).isFalse();
        assertThat(t.queryEquals(query("a", "3", "b", "2"))).isFalse();
        assertThat(t.queryEquals(query("a", "1"))).isFalse();
        assertThat(t.queryEquals(query("a", "1", "b", "2", "c", ""))).isFalse();
        assertThat(RequestTarget.parse("/").queryEquals(query())).isTrue();
    }

    @Test
    void aLongQueryFindsItsRepeatedNamesThroughASet() {
        // more than a few names: repeats are found through a set (linear), not by a scan of the earlier names each
        StringBuilder b = new StringBuilder("/?");
        for (int i = 0; i < RequestTarget.MAX_PARAMS - 1; i++) {
            b.append('n').append(i).append("=v&");
        }
        b.append("n7=again");
        RequestTarget t = RequestTarget.parse(b.toString());
        assertThat(t.size()).isEqualTo(RequestTarget.MAX_PARAMS);
        assertThat(t.first(7)).isTrue();
        assertThat(t.first(RequestTarget.MAX_PARAMS - 1)).isFalse();
        assertThat(t.param("n7")).isEqualTo("v");
        CourierHttpServer.Routes routes = new CourierHttpServer.Routes();
        assertThat(routes.sharedQuery(t)).hasSize(RequestTarget.MAX_PARAMS - 1).containsEntry("n7", "v");
    }

    private static SmallStringMap query(String... keysAndValues) {
        SmallStringMap.Builder b = new SmallStringMap.Builder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            b.addNew(keysAndValues[i], keysAndValues[i + 1]);
        }
        return b.build();
    }

    @Test
    void aRepeatedNameKeepsItsFirstValue() {
        RequestTarget t = RequestTarget.parse("/?a=1&b=2&a=3");
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.param("a")).isEqualTo("1");
        assertThat(t.first(2)).isFalse();
        assertThat(firstValues(t)).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void anEncodingThatIsNotValidIsKeptNotRefused() {
        // a % that starts no escape stays as written; bytes that are not UTF-8 become U+FFFD
        RequestTarget t = RequestTarget.parse("/p%zz%/?a=%&b=%4&c=%zz1&d=%ff%41&=v&%3D=%26");
        assertThat(t.path()).isEqualTo("/p%zz%/");
        assertThat(firstValues(t))
                .containsExactly(
                        Map.entry("a", "%"),
                        Map.entry("b", "%4"),
                        Map.entry("c", "%zz1"),
                        Map.entry("d", "\uFFFDA"),
                        Map.entry("", "v"),
                        Map.entry("=", "&"));
    }

    @Test
    void noQueryAndAnEmptyQueryHaveNoParameters() {
        assertThat(RequestTarget.parse("/socket.io/").size()).isZero();
        assertThat(RequestTarget.parse("/socket.io/?").size()).isZero();
        assertThat(RequestTarget.parse("/socket.io/#?a=1").size()).isZero();
        assertThat(RequestTarget.parse("/socket.io/#?a=1").path()).isEqualTo("/socket.io/");
        assertThat(RequestTarget.parse("/?&&").size()).isZero();
    }

    @Test
    void readsAtMostMaxParamsParameters() {
        StringBuilder b = new StringBuilder("/?");
        for (int i = 0; i < 3 * RequestTarget.MAX_PARAMS; i++) {
            b.append("p").append(i).append("=").append(i).append('&');
        }
        RequestTarget t = RequestTarget.parse(b.toString());
        assertThat(t.size()).isEqualTo(RequestTarget.MAX_PARAMS);
        assertThat(t.param("p1023")).isEqualTo("1023");
        assertThat(t.param("p1024")).isNull();
    }

    /**
     * Where both define the answer (no {@code ;}, every {@code %} a valid escape of UTF-8, no empty name), the path
     * and each name's first value are what Netty's decoder gives, on random targets.
     */
    @Test
    void agreesWithNettysDecoderOnWellFormedTargets() {
        Random random = new Random(42);
        String[] pieces = {
            "a",
            "b",
            "Z",
            "0",
            "-",
            "_",
            ".",
            "~",
            "+",
            "%20",
            "%2B",
            "%26",
            "%3D",
            "%25",
            "%C3%A9",
            "%E2%82%AC",
            "%F0%9F%98%80",
            "é",
            "/",
            "!",
            "*"
        };
        for (int round = 0; round < 5_000; round++) {
            StringBuilder uri = new StringBuilder("/");
            appendRandom(uri, random, pieces, 4);
            int params = random.nextInt(6);
            if (params > 0 || random.nextBoolean()) {
                uri.append('?');
            }
            for (int p = 0; p < params; p++) {
                if (p > 0) {
                    uri.append('&');
                }
                uri.append((char) ('a' + random.nextInt(4))); // a name is never empty
                appendRandom(uri, random, pieces, 2);
                if (random.nextInt(4) > 0) {
                    uri.append('=');
                    appendRandom(uri, random, pieces, 4);
                }
            }
            if (random.nextInt(8) == 0) {
                uri.append("#frag");
            }
            String target = uri.toString();
            QueryStringDecoder netty = new QueryStringDecoder(target, StandardCharsets.UTF_8);
            Map<String, String> expected = new LinkedHashMap<>();
            netty.parameters().forEach((k, v) -> expected.put(k, v.get(0)));
            RequestTarget ours = RequestTarget.parse(target);
            assertThat(ours.path()).as(target).isEqualTo(netty.path());
            assertThat(firstValues(ours)).as(target).containsExactlyEntriesOf(expected);
        }
    }

    private static void appendRandom(StringBuilder b, Random random, String[] pieces, int max) {
        List<String> chosen = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            chosen.add(pieces[random.nextInt(pieces.length)]);
        }
        chosen.forEach(b::append);
    }
}
