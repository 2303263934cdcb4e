package io.courier.engine.codec;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * One Engine.IO packet: a type plus either text data or, for binary messages, bytes.
 *
 * <p>Immutable and safe to share between threads and recipients: a broadcast builds its packets once and every
 * session sends the same instance. The encoded forms (the text frame bytes, the base64 polling record) are computed
 * on first use and cached.
 */
public final class EngineIoPacket {
    public static final EngineIoPacket PING = new EngineIoPacket(EngineIoPacketType.PING, "", null);
    public static final EngineIoPacket PONG_PROBE = new EngineIoPacket(EngineIoPacketType.PONG, "probe", null);
    public static final EngineIoPacket NOOP = new EngineIoPacket(EngineIoPacketType.NOOP, "", null);
    public static final EngineIoPacket CLOSE = new EngineIoPacket(EngineIoPacketType.CLOSE, "", null);

    private final EngineIoPacketType type;
    private String text; // for a text message made from its bytes, decoded on first use; benign race
    private final byte[] binary;
    private final boolean compress;
    private byte[] textBytes; // cached; benign race, the value is always the same
    private String base64;

    private EngineIoPacket(EngineIoPacketType type, String text, byte[] binary) {
        this(type, text, binary, true);
    }

    private EngineIoPacket(EngineIoPacketType type, String text, byte[] binary, boolean compress) {
        this.type = type;
        this.text = text;
        this.binary = binary;
        this.compress = compress;
    }

    /** A text packet of the given type; {@code data} may be empty, never null. */
    public static EngineIoPacket text(EngineIoPacketType type, String data) {
        return new EngineIoPacket(Objects.requireNonNull(type, "type"), Objects.requireNonNull(data, "data"), null);
    }

    /** A text message ({@code 4} + data). */
    public static EngineIoPacket message(String data) {
        return text(EngineIoPacketType.MESSAGE, data);
    }

    /**
     * A text message given as the bytes of its WebSocket text frame: {@code 4} and the data, UTF-8 (an encoder wrote
     * them straight from the JSON tree). The text is decoded only if asked for. The array is not copied: the caller
     * must not modify it afterwards.
     */
    public static EngineIoPacket messageFrameBytes(byte[] frameBytes) {
        if (frameBytes.length == 0 || frameBytes[0] != EngineIoPacketType.MESSAGE.digit()) {
            throw new IllegalArgumentException("not a message frame");
        }
        EngineIoPacket p = new EngineIoPacket(EngineIoPacketType.MESSAGE, null, null);
        p.textBytes = frameBytes;
        return p;
    }

    /** A binary message. The array is not copied: the caller must not modify it afterwards. */
    public static EngineIoPacket binary(byte[] data) {
        return new EngineIoPacket(EngineIoPacketType.MESSAGE, null, Objects.requireNonNull(data, "data"));
    }

    /**
     * The same packet marked not to be compressed (socket.io's {@code compress(false)}): a WebSocket that negotiated
     * permessage-deflate sends it as is. The data is shared, not copied.
     */
    public EngineIoPacket uncompressed() {
        if (!compress) {
            return this;
        }
        EngineIoPacket p = new EngineIoPacket(type, text, binary, false);
        p.textBytes = textBytes;
        p.base64 = base64;
        return p;
    }

    /** Whether a transport that compresses may compress this packet (true unless {@link #uncompressed()}). */
    public boolean compress() {
        return compress;
    }

    public EngineIoPacketType type() {
        return type;
    }

    public boolean isBinary() {
        return binary != null;
    }

    /** The text data (without the type digit); null for binary messages. */
    public String text() {
        String t = text;
        if (t == null && binary == null) {
            t = new String(textBytes, 1, textBytes.length - 1, StandardCharsets.UTF_8);
            text = t;
        }
        return t;
    }

    /** The binary data; null for text packets. Callers must not modify it. */
    public byte[] binary() {
        return binary;
    }

    /** The UTF-8 bytes of a text packet as sent in a WebSocket text frame: type digit followed by the data. */
    public byte[] textFrameBytes() {
        byte[] b = textBytes;
        if (b == null) {
            if (binary != null) {
                throw new IllegalStateException("binary packet has no text frame");
            }
            b = (type.digit() + text).getBytes(StandardCharsets.UTF_8);
            textBytes = b;
        }
        return b;
    }

    /** The record of this packet in a polling payload: {@code <digit><text>} or {@code b<base64>}. */
    String pollingRecord() {
        if (binary == null) {
            return type.digit() + text();
        }
        String s = base64;
        if (s == null) {
            s = "b" + Base64.getEncoder().encodeToString(binary);
            base64 = s;
        }
        return s;
    }

    /** Approximate bytes this packet occupies on the wire; used to enforce outbound buffer bounds. */
    public int wireSize() {
        return binary != null ? binary.length : text != null ? text.length() + 1 : textBytes.length;
    }

    @Override
    public String toString() {
        return binary != null ? "binary[" + binary.length + "]" : type + "(" + text().length() + " chars)";
    }
}
