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
                byte[] data = Base64.getDecoder().decode(new String(body, from + 1, to - from - 1, StandardCharsets.ISO_8859_1));
                return EngineIoPacket.binary(data);
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
}
