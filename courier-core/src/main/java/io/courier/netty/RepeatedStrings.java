package io.courier.netty;

/**
 * Strings that the requests of many connections repeat and that {@link CommonStrings} cannot know in advance: this
 * server's {@code Host}, an application's {@code Origin}, a browser's {@code User-Agent}, the URL of a WebSocket-only
 * handshake. Each request's copy is swapped for an equal one an earlier request left here, so the request snapshots
 * that sessions keep for their lifetime share one copy instead of holding one each.
 *
 * <p>Bounded whatever clients send: a fixed table of {@value #SLOTS} slots, each holding the last string that hashed
 * to it, and nothing longer than {@value #MAX_LENGTH} chars. A string of one client (a WebSocket key, a sid) only
 * takes a slot until another string wants it. Thread-safe without locks: a slot holds an immutable string, and a race
 * between event loops costs at most a copy that is not shared.
 */
final class RepeatedStrings {
    static final int SLOTS = 256;
    static final int MAX_LENGTH = 256;

    private final String[] slots = new String[SLOTS];

    /** {@code s}, or an equal string seen before. */
    String share(String s) {
        if (s.length() > MAX_LENGTH) {
            return s;
        }
        int h = s.hashCode();
        int i = (h ^ (h >>> 16)) & (SLOTS - 1);
        String seen = slots[i];
        if (s.equals(seen)) {
            return seen;
        }
        slots[i] = s;
        return s;
    }
}
