package io.courier.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.adapter.OutboundPacket;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.json.JsonCodec;
import io.courier.protocol.EncodedSocketIoPacket;
import io.courier.protocol.PacketDecoder;
import io.courier.protocol.PacketEncoder;
import io.courier.protocol.Parser;
import io.courier.protocol.SocketIoPacket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Socket.IO packets with the runtime's mapper ({@code JsonCodec}) and the default (text) parser: an EVENT with JSON
 * arguments and an ack id decoded, its ACK and a plain EVENT encoded, a BINARY_EVENT with a 1 KiB attachment encoded
 * and decoded (header plus attachment), and the whole codec work of one echo with ack: decode the EVENT, take its
 * arguments, encode the ACK and its frame bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SocketIoCodecBench {
    private PacketEncoder encoder;
    private PacketDecoder decoder;
    private SocketIoPacket ack;
    private SocketIoPacket event;
    private SocketIoPacket binaryEvent;

    @Setup
    public void setUp() {
        encoder = Parser.DEFAULT.encoder(JsonCodec.mapper());
        decoder = Parser.DEFAULT.decoder(JsonCodec.mapper(), 10);
        ArrayNode args = (ArrayNode) decoder.decodeText(Payloads.ACK_TEXT).data();
        ack = SocketIoPacket.ack("/", 42, args);
        event = SocketIoPacket.event("/", JsonCodec.toArray("news", new Object[] {args.get(0)}));
        binaryEvent = SocketIoPacket.event("/", JsonCodec.toArray("upload", new Object[] {Payloads.ATTACHMENT}));
    }

    @Benchmark
    public SocketIoPacket decodeEventWithAckId() {
        return decoder.decodeText(Payloads.EVENT_TEXT);
    }

    @Benchmark
    public EncodedSocketIoPacket encodeAck() {
        return encoder.encode(ack);
    }

    @Benchmark
    public EncodedSocketIoPacket encodeEvent() {
        return encoder.encode(event);
    }

    @Benchmark
    public EncodedSocketIoPacket encodeBinaryEvent() {
        return encoder.encode(binaryEvent);
    }

    @Benchmark
    public SocketIoPacket decodeBinaryEvent() {
        decoder.decodeText(Payloads.BINARY_EVENT_TEXT);
        return decoder.decodeBinary(Payloads.ATTACHMENT.clone());
    }

    /** An echo's codec work: the EVENT in, its arguments out as the ACK's, the ACK's WebSocket frame bytes. */
    @Benchmark
    public byte[] echoRoundTrip() {
        SocketIoPacket ack = echoAck();
        EncodedSocketIoPacket out = encoder.encode(ack);
        return EngineIoPacket.message(out.text()).textFrameBytes();
    }

    /** {@link #echoRoundTrip} as the server does it: the ACK written from its tree straight into the frame's bytes. */
    @Benchmark
    public byte[] echoRoundTripDirect() {
        return OutboundPacket.encode(echoAck(), encoder).enginePackets().get(0).textFrameBytes();
    }

    /** The EVENT decoded and its arguments made the ACK's, as a handler that replies with them does. */
    private SocketIoPacket echoAck() {
        SocketIoPacket in = decoder.decodeText(Payloads.EVENT_TEXT);
        ArrayNode data = (ArrayNode) in.data();
        Object[] args = new Object[data.size() - 1];
        for (int i = 1; i < data.size(); i++) {
            args[i - 1] = data.get(i);
        }
        JsonNode reply = JsonCodec.toArray(null, args);
        return SocketIoPacket.ack(in.namespace(), in.ackId(), (ArrayNode) reply);
    }
}
