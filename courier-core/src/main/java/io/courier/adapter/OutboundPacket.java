package io.courier.adapter;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.protocol.EncodedSocketIoPacket;
import io.courier.protocol.PacketEncoder;
import io.courier.protocol.SocketIoPacket;
import java.util.ArrayList;
import java.util.List;

/**
 * A Socket.IO packet encoded once for any number of recipients: the packet itself (for cluster peers and logs) and
 * its Engine.IO packets (with the default parser one text message, then one binary message per attachment; with the
 * msgpack parser one binary message). Immutable and shared.
 */
public final class OutboundPacket {
    private final SocketIoPacket packet;
    private final List<EngineIoPacket> enginePackets;

    private OutboundPacket(SocketIoPacket packet, List<EngineIoPacket> enginePackets) {
        this.packet = packet;
        this.enginePackets = enginePackets;
    }

    /** Encodes {@code packet} with the server's parser's encoder. */
    public static OutboundPacket encode(SocketIoPacket packet, PacketEncoder encoder) {
        byte[] message = encoder.encodeTextMessage(packet);
        if (message != null) {
            return new OutboundPacket(packet, List.of(EngineIoPacket.messageFrameBytes(message)));
        }
        EncodedSocketIoPacket encoded = encoder.encode(packet);
        List<EngineIoPacket> out = new ArrayList<>(1 + encoded.attachments().size());
        if (encoded.text() != null) {
            out.add(EngineIoPacket.message(encoded.text()));
        }
        for (byte[] a : encoded.attachments()) {
            out.add(EngineIoPacket.binary(a));
        }
        return new OutboundPacket(packet, List.copyOf(out));
    }

    /**
     * This packet marked not to be compressed ({@code compress(false)}): one copy per emit, sharing the encoded data,
     * so a broadcast still encodes once.
     */
    public OutboundPacket uncompressed() {
        if (!enginePackets.get(0).compress()) {
            return this;
        }
        List<EngineIoPacket> out = new ArrayList<>(enginePackets.size());
        for (EngineIoPacket p : enginePackets) {
            out.add(p.uncompressed());
        }
        return new OutboundPacket(packet, List.copyOf(out));
    }

    /** {@code this} if {@code compress}, else {@link #uncompressed()}. */
    public OutboundPacket compressed(boolean compress) {
        return compress ? this : uncompressed();
    }

    public SocketIoPacket packet() {
        return packet;
    }

    /** The Engine.IO packets to send, in order. */
    public List<EngineIoPacket> enginePackets() {
        return enginePackets;
    }
}
