package io.courier.engine.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/** Test helpers: readable views of packets and payloads. */
final class Packets {
    /** The polling record separator as a string. */
    static final String RS = "\u001e";

    private Packets() {}

    /** {@code TYPE|text} for text packets, {@code binary|hex} for binary messages. */
    static String view(EngineIoPacket packet) {
        return packet.isBinary()
                ? "binary|" + HexFormat.of().formatHex(packet.binary())
                : packet.type() + "|" + packet.text();
    }

    static List<String> views(Collection<EngineIoPacket> packets) {
        return packets.stream().map(Packets::view).toList();
    }

    /** Decodes a payload given as a string (UTF-8). */
    static List<EngineIoPacket> decode(String payload) {
        return EngineIoPacketDecoder.decodePayload(payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes packets as a polling payload and returns its bytes, releasing the buffer. */
    static byte[] encode(Collection<EngineIoPacket> packets) {
        ByteBuf buf = EngineIoPacketEncoder.encodePayload(packets, ByteBufAllocator.DEFAULT);
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    /** Encodes packets as a polling payload and returns it as a string. */
    static String encodeToString(Collection<EngineIoPacket> packets) {
        return new String(encode(packets), StandardCharsets.UTF_8);
    }

    static byte[] bytes(int... values) {
        byte[] data = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            data[i] = (byte) values[i];
        }
        return data;
    }
}
