package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.msgpack.MsgPack;
import io.courier.msgpack.MsgPackException;
import java.util.Objects;

/**
 * Decodes {@code socket.io-msgpack-parser} packets: each binary Engine.IO message is one msgpack map {@code {type,
 * nsp, data, id}} (other keys, such as the client's {@code options}, are ignored). The checks are the reference
 * parser's ({@code type} an integer 0 to 4, {@code nsp} a string, {@code id} absent or an integer) plus the text
 * parser's rules on top (a namespace starting with {@code /} and without {@code ','}, an ack id from 0 to 2^53 - 1,
 * the payload shapes and reserved event names of {@link PacketRules}). Text messages are refused: this format has
 * none.
 *
 * <p>Bounds: the message is at most maxHttpBufferSize (checked by the transport); nesting at most the mapper's
 * {@code StreamReadConstraints} depth below the packet map; every length is checked against the bytes present before
 * anything is allocated. Stateless and thread-safe, so connections can share one.
 */
public final class MsgPackPacketDecoder implements PacketDecoder {
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private final ObjectMapper mapper;
    private final int maxDepth;

    /**
     * Creates a decoder.
     *
     * @param mapper the runtime's mapper: its read constraints' nesting depth bounds the data
     */
    public MsgPackPacketDecoder(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.maxDepth = mapper.getFactory().streamReadConstraints().getMaxNestingDepth();
    }

    ObjectMapper mapper() {
        return mapper;
    }

    @Override
    public SocketIoPacket decodeText(String text) {
        throw new SocketIoProtocolException(
                "a text message, but this server uses the msgpack parser, whose packets are binary (does the client use"
                        + " socket.io-msgpack-parser?)");
    }

    @Override
    public SocketIoPacket decodeBinary(byte[] message) {
        JsonNode tree;
        try {
            tree = MsgPack.decode(message, maxDepth);
        } catch (MsgPackException e) {
            throw new SocketIoProtocolException("invalid msgpack: " + e.getMessage());
        }
        if (!tree.isObject()) {
            throw new SocketIoProtocolException("a msgpack packet is a map {type, nsp, data, id}");
        }
        JsonNode type = tree.get("type");
        if (type == null || !type.isIntegralNumber() || type.asLong(-1) < 0 || type.asLong(-1) > 4) {
            throw new SocketIoProtocolException("invalid packet type");
        }
        JsonNode nsp = tree.get("nsp");
        if (nsp == null || !nsp.isTextual()) {
            throw new SocketIoProtocolException("invalid namespace (not a string)");
        }
        String namespace = nsp.textValue();
        if (!namespace.startsWith("/") || namespace.indexOf(',') >= 0) {
            throw new SocketIoProtocolException("invalid namespace (must start with '/' and contain no ',')");
        }
        long ackId = SocketIoPacket.NO_ACK_ID;
        JsonNode id = tree.get("id");
        if (id != null) {
            if (!id.isIntegralNumber()
                    || !id.canConvertToLong()
                    || id.longValue() < 0
                    || id.longValue() > MAX_SAFE_INTEGER) {
                throw new SocketIoProtocolException("invalid packet id");
            }
            ackId = id.longValue();
        }
        JsonNode data = tree.get("data");
        PacketHeader header = new PacketHeader(SocketIoPacketType.fromCode(type.intValue()), 0, namespace, ackId, 0);
        PacketRules.check(header, data);
        return header.toPacket(data);
    }

    @Override
    public void reset() {
        // no state: every packet is one message
    }
}
