package io.courier.engine.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/** Encodes packets for the HTTP long-polling transport: records joined by {@code 0x1e}. */
public final class EngineIoPacketEncoder {
    private EngineIoPacketEncoder() {}

    /** Writes the packets as one polling payload into a new buffer owned by the caller. */
    public static ByteBuf encodePayload(Collection<EngineIoPacket> packets, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(estimate(packets));
        boolean first = true;
        for (EngineIoPacket p : packets) {
            if (!first) {
                out.writeByte(EngineIoPacketDecoder.RECORD_SEPARATOR);
            }
            first = false;
            if (p.isBinary()) {
                out.writeCharSequence(p.pollingRecord(), StandardCharsets.US_ASCII);
            } else {
                out.writeBytes(p.textFrameBytes());
            }
        }
        return out;
    }

    private static int estimate(Collection<EngineIoPacket> packets) {
        long n = 0;
        for (EngineIoPacket p : packets) {
            n += p.isBinary() ? (p.binary().length * 4L / 3 + 4) : p.wireSize() + 1L;
        }
        return (int) Math.min(n, Integer.MAX_VALUE - 8);
    }
}
