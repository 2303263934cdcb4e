package io.courier.bench.jmh;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.courier.engine.codec.EngineIoPacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine.IO framing of one ~100-byte Socket.IO EVENT: a WebSocket text frame decoded (as a whole string, and as its
 * first byte plus the rest, which is what the server does), the frame bytes of an outbound message, and a polling
 * payload of two messages encoded and decoded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineIoCodecBench {
    private final String frame = "4" + Payloads.EVENT_TEXT;
    private final byte[] frameBytes = frame.getBytes(StandardCharsets.UTF_8);
    private final String rest = Payloads.EVENT_TEXT;
    private final List<EngineIoPacket> two =
            List.of(EngineIoPacket.message(Payloads.EVENT_TEXT), EngineIoPacket.message(Payloads.ACK_TEXT));
    private final byte[] pollingBody = payloadBytes(two);

    private static byte[] payloadBytes(List<EngineIoPacket> packets) {
        ByteBuf b = EngineIoPacketEncoder.encodePayload(packets, UnpooledByteBufAllocator.DEFAULT);
        try {
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    /** A text frame handed over as one string (the decoder's plain entry point). */
    @Benchmark
    public EngineIoPacket decodeTextFrame() {
        return EngineIoPacketDecoder.decodeText(frame);
    }

    /** A text frame as the WebSocket handler decodes it: the type byte, then only the rest becomes a string. */
    @Benchmark
    public EngineIoPacket decodeTextFrameBytes() {
        return EngineIoPacketDecoder.decodeText(
                frameBytes[0], new String(frameBytes, 1, frameBytes.length - 1, StandardCharsets.UTF_8));
    }

    /** The bytes of an outbound message's WebSocket text frame (a new packet each time: nothing cached). */
    @Benchmark
    public byte[] encodeTextFrame() {
        return EngineIoPacket.message(rest).textFrameBytes();
    }

    @Benchmark
    public int encodePollingPayload() {
        ByteBuf b = EngineIoPacketEncoder.encodePayload(two, UnpooledByteBufAllocator.DEFAULT);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    @Benchmark
    public List<EngineIoPacket> decodePollingPayload() {
        return EngineIoPacketDecoder.decodePayload(pollingBody);
    }
}
