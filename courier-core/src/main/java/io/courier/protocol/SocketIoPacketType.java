package io.courier.protocol;

/**
 * The Socket.IO packet types, with their wire codes 0 to 6.
 *
 * <p>{@link #BINARY_EVENT} and {@link #BINARY_ACK} exist only on the wire: a decoded {@link SocketIoPacket} is
 * always {@link #EVENT} or {@link #ACK}, with its binary attachments inside its data.
 */
public enum SocketIoPacketType {
    /** 0: connection to a namespace (client request or server acceptance). */
    CONNECT,
    /** 1: disconnection from a namespace. */
    DISCONNECT,
    /** 2: an event, optionally requesting an acknowledgement. */
    EVENT,
    /** 3: the acknowledgement of an event. */
    ACK,
    /** 4: refusal of a connection to a namespace. */
    CONNECT_ERROR,
    /** 5: an event with binary attachments (wire only). */
    BINARY_EVENT,
    /** 6: an acknowledgement with binary attachments (wire only). */
    BINARY_ACK;

    private static final SocketIoPacketType[] BY_CODE = values();

    /**
     * Returns the wire code of this type.
     *
     * @return the digit written on the wire, 0 to 6
     */
    public int code() {
        return ordinal();
    }

    /**
     * Returns the type with the given wire code.
     *
     * @param code the wire code
     * @return the type, never null
     * @throws SocketIoProtocolException if the code is not 0 to 6
     */
    public static SocketIoPacketType fromCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new SocketIoProtocolException("unknown packet type " + code);
        }
        return BY_CODE[code];
    }

    /** Whether this is a wire-only binary type (5 or 6). */
    boolean isBinary() {
        return this == BINARY_EVENT || this == BINARY_ACK;
    }
}
