package io.courier.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** One Engine.IO v4 packet: a type digit and text data, or a binary message. Immutable. */
final class EnginePacket {
    static final char OPEN = '0';
    static final char CLOSE = '1';
    static final char PING = '2';
    static final char PONG = '3';
    static final char MESSAGE = '4';
    static final char UPGRADE = '5';
    static final char NOOP = '6';

    private static final char SEPARATOR = '\u001e';

    final char type;
    /** The data of a text packet ("" when none); null for a binary message. */
    final String text;
    /** The bytes of a binary message; null for a text packet. */
    final byte[] binary;

    private EnginePacket(char type, String text, byte[] binary) {
        this.type = type;
        this.text = text;
        this.binary = binary;
    }

    static EnginePacket of(char type, String data) {
        return new EnginePacket(type, data == null ? "" : data, null);
    }

    static EnginePacket message(String data) {
        return of(MESSAGE, data);
    }

    static EnginePacket binary(byte[] bytes) {
        return new EnginePacket(MESSAGE, null, bytes);
    }

    boolean isBinary() {
        return binary != null;
    }

    /** A text frame (WebSocket) or a text record (polling). */
    static EnginePacket decodeText(String frame) {
        if (frame.isEmpty()) {
            throw new ProtocolException("empty Engine.IO packet");
        }
        char type = frame.charAt(0);
        if (type < OPEN || type > NOOP) {
            throw new ProtocolException("unknown Engine.IO packet type '" + type + "'");
        }
        return of(type, frame.substring(1));
    }

    String encodeText() {
        return type + text;
    }

    /** Roughly the bytes this packet takes in a polling body (binary as base64). */
    int pollingLength() {
        return binary != null ? 1 + (binary.length + 2) / 3 * 4 : 1 + text.length() * 3;
    }

    /** A polling body: records separated by 0x1E, binary as {@code b<base64>}. */
    static List<EnginePacket> decodePayload(String body) {
        List<EnginePacket> out = new ArrayList<>();
        int start = 0;
        while (start <= body.length()) {
            int end = body.indexOf(SEPARATOR, start);
            if (end < 0) {
                end = body.length();
            }
            String record = body.substring(start, end);
            if (record.startsWith("b")) {
                try {
                    out.add(binary(Base64.getDecoder().decode(record.substring(1))));
                } catch (IllegalArgumentException e) {
                    throw new ProtocolException("invalid base64 in a polling payload");
                }
            } else {
                out.add(decodeText(record));
            }
            start = end + 1;
        }
        return out;
    }

    static String encodePayload(List<EnginePacket> packets) {
        StringBuilder sb = new StringBuilder();
        for (EnginePacket p : packets) {
            if (sb.length() > 0) {
                sb.append(SEPARATOR);
            }
            if (p.binary != null) {
                sb.append('b').append(Base64.getEncoder().encodeToString(p.binary));
            } else {
                sb.append(p.type).append(p.text);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return binary != null
                ? "binary(" + binary.length + " bytes)"
                : type + (text.length() > 80 ? text.substring(0, 80) + "..." : text);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
