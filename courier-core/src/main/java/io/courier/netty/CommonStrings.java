package io.courier.netty;

import io.netty.util.AsciiString;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Shared instances for the header names, query keys and values (and the default path) that nearly every request
 * repeats, so a session's request snapshot holds references to these constants instead of its own copies, and a
 * request that only passes through is read without making them. The tables are fixed: nothing a client sends is
 * ever added to them.
 */
final class CommonStrings {
    private static final Map<String, String> HEADER_NAMES = table(
            "host",
            "connection",
            "upgrade",
            "user-agent",
            "accept",
            "accept-encoding",
            "accept-language",
            "origin",
            "referer",
            "cookie",
            "authorization",
            "content-type",
            "content-length",
            "cache-control",
            "pragma",
            "sec-websocket-key",
            "sec-websocket-version",
            "sec-websocket-extensions",
            "sec-websocket-protocol",
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "x-real-ip",
            "dnt",
            "priority",
            "sec-fetch-mode",
            "sec-fetch-site",
            "sec-fetch-dest",
            "sec-ch-ua",
            "sec-ch-ua-mobile",
            "sec-ch-ua-platform");

    private static final Map<String, String> VALUES = table(
            "/socket.io/",
            "EIO",
            "transport",
            "sid",
            "t",
            "j",
            "b64",
            "4",
            "polling",
            "websocket",
            "Upgrade",
            "upgrade",
            "keep-alive",
            "close",
            "13",
            "*/*",
            "gzip, deflate",
            "gzip, deflate, br",
            "gzip, deflate, br, zstd",
            "permessage-deflate; client_max_window_bits",
            "no-cache");

    private CommonStrings() {}

    /**
     * The common header names by {@link AsciiString#hashCode(CharSequence)} (which ignores ASCII case), open
     * addressing: a name as the client spelled it is found without making a lower-case copy first.
     */
    private static final String[] NAMES_BY_HASH = hashTable(HEADER_NAMES.keySet());

    /** The lower-case header name, as a shared constant when it is a common one. */
    static String headerName(CharSequence name) {
        String[] table = NAMES_BY_HASH;
        int mask = table.length - 1;
        for (int i = AsciiString.hashCode(name) & mask; table[i] != null; i = (i + 1) & mask) {
            if (AsciiString.contentEqualsIgnoreCase(table[i], name)) {
                return table[i];
            }
        }
        return name.toString().toLowerCase(Locale.ROOT);
    }

    private static String[] hashTable(Set<String> names) {
        String[] table = new String[Integer.highestOneBit(names.size() * 4)];
        int mask = table.length - 1;
        for (String n : names) {
            int i = AsciiString.hashCode(n) & mask;
            while (table[i] != null) {
                i = (i + 1) & mask;
            }
            table[i] = n;
        }
        return table;
    }

    /** The value itself, or an equal shared constant when it is a common one. */
    static String value(String value) {
        return VALUES.getOrDefault(value, value);
    }

    private static final String[] VALUE_LIST = VALUES.keySet().toArray(new String[0]);

    /** {@code s.substring(from, to)}, or an equal shared constant without making the substring first. */
    static String value(String s, int from, int to) {
        int length = to - from;
        for (String v : VALUE_LIST) {
            if (v.length() == length && s.regionMatches(from, v, 0, length)) {
                return v;
            }
        }
        return s.substring(from, to);
    }

    private static Map<String, String> table(String... strings) {
        return Stream.of(strings).collect(Collectors.toUnmodifiableMap(Function.identity(), Function.identity()));
    }
}
