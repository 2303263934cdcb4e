package io.courier.engine.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Decodes Engine.IO packets from WebSocket text frames and from HTTP long-polling bodies.
 *
 * <p>Polling bodies are records separated by {@code 0x1e}; a record is a type digit plus UTF-8 text, or {@code b}
 * plus the standard base64 of a binary message. The separator byte never occurs inside a multi-byte UTF-8 sequence,
 * so the body is split on bytes before decoding text.
 */
public final class EngineIoPacketDecoder {
    public static final byte RECORD_SEPARATOR = 0x1e;

    private EngineIoPacketDecoder() {}

    /**
     * Decodes one WebSocket text frame.
     *
     * @throws EngineIoProtocolException for an empty frame or an unknown type digit
     */
    public static EngineIoPacket decodeText(String frame) {
        if (frame.isEmpty()) {
            throw new EngineIoProtocolException("empty packet");
        }
        return EngineIoPacket.text(EngineIoPacketType.fromDigit(frame.charAt(0)), frame.substring(1));
    }

    /**
     * Decodes one WebSocket text frame given as its first byte and the text after it, so that the frame is not made
     * a string only to be cut after its type digit.
     *
     * @param first the frame's first byte, an ASCII character (a type digit in a valid frame)
     * @param rest the UTF-8 text after it
     * @throws EngineIoProtocolException for an unknown type digit
     */
    public static EngineIoPacket decodeText(byte first, String rest) {
        return EngineIoPacket.text(EngineIoPacketType.fromDigit((char) (first & 0xff)), rest);
    }

    /**
     * Decodes a polling POST body.
     *
     * @throws EngineIoProtocolException naming the record index that failed
     */
    public static List<EngineIoPacket> decodePayload(byte[] body) {
        List<EngineIoPacket> packets = new ArrayList<>(2);
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == RECORD_SEPARATOR) {
                packets.add(decodeRecord(body, start, i, packets.size()));
                start = i + 1;
            }
        }
        return packets;
    }

    private static EngineIoPacket decodeRecord(byte[] body, int from, int to, int index) {
        if (from == to) {
            throw new EngineIoProtocolException("empty packet at record " + index);
        }
        if (body[from] == 'b') {
            try {
                return EngineIoPacket.binary(Base64.getDecoder().decode(base64Text(body, from + 1, to)));
            } catch (IllegalArgumentException e) {
                throw new EngineIoProtocolException("invalid base64 at record " + index);
            }
        }
        EngineIoPacketType type;
        try {
            type = EngineIoPacketType.fromDigit((char) (body[from] & 0xff));
        } catch (EngineIoProtocolException e) {
            throw new EngineIoProtocolException(e.getMessage() + " at record " + index);
        }
        return EngineIoPacket.text(type, new String(body, from + 1, to - from - 1, StandardCharsets.UTF_8));
    }

    /**
     * The base64 text of a binary record without ASCII whitespace: the official Java client (engine.io-client 2.x)
     * encodes with line breaks, which the reference server's decoder ignores. Other non-alphabet bytes stay and fail.
     */
    private static String base64Text(byte[] body, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = (char) (body[i] & 0xff);
            if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
