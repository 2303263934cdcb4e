package io.courier.netty;

import io.courier.internal.SmallStringMap;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * An HTTP request-target in origin form ({@code /path?query#fragment}), read in one pass: the percent-decoded path and
 * the query's parameters in order, in one array.
 *
 * <p>Parameters are read as the reference server reads them (Node's {@code querystring}): split on {@code &} only
 * (not on {@code ;}, as Netty's {@code QueryStringDecoder} does), the first {@code =} separates name and value (no
 * {@code =}: the value is empty), {@code +} is a space, {@code %XX} is a byte of UTF-8 (a malformed sequence becomes
 * U+FFFD), and a {@code %} that does not start an escape stays as written: no request-target is refused for its
 * encoding. The path is decoded the same way except that {@code +} stays. Names and values every handshake repeats
 * ({@code EIO}, {@code transport}, {@code websocket}, …) are the shared constants of {@link CommonStrings}, not
 * copies. At most {@value #MAX_PARAMS} parameters are read; the rest are ignored.
 */
final class RequestTarget {
    static final int MAX_PARAMS = 1024;
    private static final String[] NO_PARAMS = new String[0];

    private final String path;
    private final String[] params; // name, value, name, value, … in the order sent
    private final boolean[] repeat; // per parameter: its name came before; null when no name repeats
    private final int names; // distinct names

    private RequestTarget(String path, String[] params) {
        this.path = path;
        this.params = params;
        int n = params.length / 2;
        boolean[] seen = null;
        int distinct = n;
        // a few names are compared pairwise; more go through a set, so that MAX_PARAMS of them cost linear time
        Set<String> before = n > 8 ? new HashSet<>(2 * n) : null;
        for (int i = 0; i < n; i++) {
            if (before != null ? !before.add(params[2 * i]) : earlier(params, i)) {
                if (seen == null) {
                    seen = new boolean[n];
                }
                seen[i] = true;
                distinct--;
            }
        }
        this.repeat = seen;
        this.names = distinct;
    }

    static RequestTarget parse(String uri) {
        int end = uri.indexOf('#');
        if (end < 0) {
            end = uri.length();
        }
        int question = uri.indexOf('?');
        if (question < 0 || question > end) {
            return new RequestTarget(decode(uri, 0, end, false), NO_PARAMS);
        }
        String path = decode(uri, 0, question, false);
        int count = 0;
        for (int i = question + 1; i < end; i++) {
            if (uri.charAt(i) == '&') {
                count++;
            }
        }
        String[] params = new String[2 * Math.min(count + 1, MAX_PARAMS)];
        int n = 0;
        for (int from = question + 1; from < end && n < params.length; ) {
            int amp = uri.indexOf('&', from);
            int to = amp < 0 || amp > end ? end : amp;
            if (to > from) {
                int nameEnd = from; // the first '=' of this parameter (a search of the whole rest would be quadratic)
                while (nameEnd < to && uri.charAt(nameEnd) != '=') {
                    nameEnd++;
                }
                params[n++] = decode(uri, from, nameEnd, true);
                params[n++] = nameEnd == to ? "" : decode(uri, nameEnd + 1, to, true);
            }
            from = to + 1;
        }
        return new RequestTarget(path, n == params.length ? params : java.util.Arrays.copyOf(params, n));
    }

    private static boolean earlier(String[] params, int i) {
        for (int j = 0; j < i; j++) {
            if (params[2 * j].equals(params[2 * i])) {
                return true;
            }
        }
        return false;
    }

    /** The decoded path. */
    String path() {
        return path;
    }

    /** How many parameters the query holds (a repeated name counts each time). */
    int size() {
        return params.length / 2;
    }

    String name(int i) {
        return params[2 * i];
    }

    String value(int i) {
        return params[2 * i + 1];
    }

    /** The value of the first parameter named {@code name}, or null. */
    String param(String name) {
        for (int i = 0; i < params.length; i += 2) {
            if (params[i].equals(name)) {
                return params[i + 1];
            }
        }
        return null;
    }

    /** Whether parameter {@code i} is the first of its name (a repeated name's later values are not its value). */
    boolean first(int i) {
        return repeat == null || !repeat[i];
    }

    /**
     * Whether {@code query} holds each name's first value and nothing else, in the order sent (an equal query in
     * another order is not this one: it only costs the caller a map of its own).
     */
    boolean queryEquals(SmallStringMap query) {
        if (names != query.size()) {
            return false;
        }
        for (int i = 0, k = 0; i < size(); i++) {
            if (first(i)) {
                if (!name(i).equals(query.key(k)) || !value(i).equals(query.value(k))) {
                    return false;
                }
                k++;
            }
        }
        return true;
    }

    private static String decode(String s, int from, int to, boolean plusIsSpace) {
        int i = from;
        while (i < to && s.charAt(i) != '%' && !(plusIsSpace && s.charAt(i) == '+')) {
            i++;
        }
        if (i == to) {
            return CommonStrings.value(s, from, to);
        }
        StringBuilder out = new StringBuilder(to - from);
        out.append(s, from, i);
        byte[] run = null; // consecutive escaped bytes, decoded as UTF-8 together
        int runLength = 0;
        while (i < to) {
            char c = s.charAt(i);
            int b = c == '%' && i + 2 < to ? hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)) : -1;
            if (b >= 0) {
                if (run == null) {
                    run = new byte[(to - i) / 3];
                }
                run[runLength++] = (byte) b;
                i += 3;
                continue;
            }
            if (runLength > 0) {
                out.append(new String(run, 0, runLength, StandardCharsets.UTF_8));
                runLength = 0;
            }
            out.append(plusIsSpace && c == '+' ? ' ' : c);
            i++;
        }
        if (runLength > 0) {
            out.append(new String(run, 0, runLength, StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /** An ASCII hex digit's value, or -256: negative enough that {@code hi << 4 | lo} is negative if either is. */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char lower = (char) (c | 0x20);
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -256;
    }
}
