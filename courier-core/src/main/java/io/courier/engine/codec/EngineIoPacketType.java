package io.courier.engine.codec;

/** The seven Engine.IO v4 packet types; the enum ordinal is the wire digit. */
public enum EngineIoPacketType {
    /** Handshake, server to client, with the JSON session parameters. */
    OPEN,
    /** Closes the session. */
    CLOSE,
    /** Heartbeat probe (server to client in v4); {@code 2probe} during an upgrade. */
    PING,
    /** Heartbeat answer; {@code 3probe} during an upgrade. */
    PONG,
    /** Application data: a Socket.IO packet. */
    MESSAGE,
    /** Completes the switch from polling to WebSocket. */
    UPGRADE,
    /** Releases a pending long-poll without data. */
    NOOP;

    private static final EngineIoPacketType[] VALUES = values();

    /** The wire digit, {@code '0'} to {@code '6'}. */
    public char digit() {
        return (char) ('0' + ordinal());
    }

    /**
     * The type for a wire digit.
     *
     * @throws EngineIoProtocolException if {@code c} is not {@code '0'}..{@code '6'}
     */
    public static EngineIoPacketType fromDigit(char c) {
        int i = c - '0';
        if (i < 0 || i >= VALUES.length) {
            throw new EngineIoProtocolException("invalid packet type '" + printable(c) + "'");
        }
        return VALUES[i];
    }

    static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
