package io.courier.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.msgpack.MsgPack;
import java.util.Objects;

/**
 * Encodes packets as {@code socket.io-msgpack-parser} does: one binary Engine.IO message holding notepack.io's msgpack
 * of the map {@code {type, data, id, nsp}} ({@code data} and {@code id} only when present; the namespace always, "/"
 * included). Binary values stay inside as msgpack bin: there are no attachments, and an EVENT or ACK with binary keeps
 * its type 2 or 3. Stateless and thread-safe.
 */
public final class MsgPackPacketEncoder implements PacketEncoder {
    private final JsonNodeFactory nodes;
    private final int maxDepth;

    /**
     * Creates an encoder.
     *
     * @param mapper the runtime's mapper: data nested deeper than its write constraints allow is refused
     */
    public MsgPackPacketEncoder(ObjectMapper mapper) {
        this.nodes = mapper.getNodeFactory();
        this.maxDepth = mapper.getFactory().streamWriteConstraints().getMaxNestingDepth();
    }

    @Override
    public EncodedSocketIoPacket encode(SocketIoPacket packet) {
        Objects.requireNonNull(packet, "packet");
        ObjectNode map = nodes.objectNode();
        map.put("type", packet.type().code());
        if (packet.data() != null) {
            map.set("data", packet.data());
        }
        if (packet.hasAckId()) {
            map.put("id", packet.ackId());
        }
        map.put("nsp", packet.namespace());
        return EncodedSocketIoPacket.binaryMessage(MsgPack.encode(map, maxDepth));
    }
}
