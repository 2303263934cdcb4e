package io.courier.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Encodes {@link SocketIoPacket}s into packet text (without the Engine.IO {@code 4} prefix) plus binary
 * attachments. Stateless and thread-safe.
 *
 * <p>The text is, in order: the type digit; for a binary packet the attachment count and {@code '-'}; the namespace
 * and {@code ','} when the namespace is not {@code "/"}; the ack id digits when present; the JSON payload when
 * present. A packet is binary (wire type 5 for EVENT, 6 for ACK) exactly when its data contains a {@link
 * com.fasterxml.jackson.databind.node.BinaryNode}; each one, anywhere in the tree, is written as {@code
 * {"_placeholder":true,"num":i}} with {@code i} counted depth-first from 0, and its bytes become attachment {@code
 * i}. The packet's data is never mutated. This is {@link Parser#DEFAULT}'s encoder.
 */
public final class SocketIoPacketEncoder implements PacketEncoder {

    private final ObjectWriter writer;
    private final JsonNodeFactory nodes;
    private final boolean plainWriter; // PlainJsonWriter writes as this mapper does

    /**
     * Creates an encoder.
     *
     * @param mapper the mapper used to serialize payloads (indentation is always turned off for this encoder; the
     *     mapper itself is not reconfigured)
     */
    public SocketIoPacketEncoder(ObjectMapper mapper) {
        Objects.requireNonNull(mapper, "mapper");
        this.writer = mapper.writer().without(SerializationFeature.INDENT_OUTPUT);
        this.nodes = mapper.getNodeFactory();
        this.plainWriter = PlainJsonWriter.writesLikeJackson(mapper);
    }

    /**
     * Encodes one packet.
     *
     * @param packet the packet
     * @return the text and the attachments (empty when the packet has no binary)
     * @throws IllegalArgumentException if a packet other than EVENT or ACK contains binary data
     * @throws UncheckedIOException if Jackson cannot serialize the payload
     */
    @Override
    public EncodedSocketIoPacket encode(SocketIoPacket packet) {
        Objects.requireNonNull(packet, "packet");
        SocketIoPacketType type = packet.type();
        JsonNode data = packet.data();
        List<byte[]> attachments = List.of();
        if (data != null) {
            BinaryExtractor.Result extracted = BinaryExtractor.extract(data, nodes);
            data = extracted.data();
            attachments = extracted.attachments();
        }
        StringBuilder text = new StringBuilder();
        if (attachments.isEmpty()) {
            text.append(type.code());
        } else {
            text.append(binaryType(type).code()).append(attachments.size()).append('-');
        }
        if (!"/".equals(packet.namespace())) {
            text.append(packet.namespace()).append(',');
        }
        if (packet.hasAckId()) {
            text.append(packet.ackId());
        }
        if (data != null) {
            text.append(serialize(data));
        }
        return new EncodedSocketIoPacket(text.toString(), attachments);
    }

    /**
     * The packet as one Engine.IO text message, written from its tree straight into UTF-8 bytes (no String on the
     * way: a third of the allocation of an ack), by {@link PlainJsonWriter} when the tree is plain, else by Jackson;
     * null when it holds binary, which {@link #encode} handles. The bytes
     * are the text path's, except that a character outside the BMP is written as its JSON escape pair ({@code
     * \uD83D\uDE00}), as is a lone surrogate (which the text path replaces by {@code ?}): the same string for any
     * JSON parser. (Jackson's option to combine pairs into 4 UTF-8 bytes also swallows the character after a lone
     * high surrogate.)
     */
    @Override
    public byte[] encodeTextMessage(SocketIoPacket packet) {
        JsonNode data = packet.data();
        if (data != null && !BinaryExtractor.isPlain(data)) {
            return null;
        }
        byte[] namespace =
                "/".equals(packet.namespace()) ? EMPTY : (packet.namespace() + ",").getBytes(StandardCharsets.UTF_8);
        long ackId = packet.ackId();
        int digits = packet.hasAckId() ? digits(ackId) : 0;
        byte[] prefix = new byte[2 + namespace.length + digits];
        prefix[0] = '4';
        prefix[1] = (byte) ('0' + packet.type().code());
        System.arraycopy(namespace, 0, prefix, 2, namespace.length);
        for (int i = prefix.length - 1; i >= 2 + namespace.length; i--) {
            prefix[i] = (byte) ('0' + ackId % 10);
            ackId /= 10;
        }
        if (data == null) {
            return prefix;
        }
        byte[] plain = plainWriter ? PlainJsonWriter.write(prefix, data) : null;
        if (plain != null) {
            return plain;
        }
        PrefixedBytes out = new PrefixedBytes(prefix);
        try {
            writer.writeValue(out, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the packet payload", e);
        }
        return out.bytes();
    }

    /**
     * The message's bytes: its prefix, then what the generator writes. The generator fills its own (recycled) buffer
     * and hands it over when it closes, for a payload up to that buffer's size (8,000 bytes) in one write: the array
     * is then allocated once, at its exact size, where {@code writeValueAsBytes} copied into a builder, then into an
     * array of the JSON, then into the message's.
     */
    static final class PrefixedBytes extends OutputStream {
        private byte[] buf;
        private int size;
        private boolean grown;

        PrefixedBytes(byte[] prefix) {
            buf = prefix;
            size = prefix.length;
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            ensure(len);
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        private void ensure(int more) {
            int need = size + more;
            if (need > buf.length) {
                // the first growth is exact (the generator's one write); any later one by half at least
                int cap = grown ? Math.max(need, buf.length + (buf.length >> 1)) : need;
                grown = true;
                buf = Arrays.copyOf(buf, cap);
            }
        }

        byte[] bytes() {
            return size == buf.length ? buf : Arrays.copyOf(buf, size);
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private static int digits(long n) {
        int d = 1;
        while (n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    private static SocketIoPacketType binaryType(SocketIoPacketType type) {
        return switch (type) {
            case EVENT -> SocketIoPacketType.BINARY_EVENT;
            case ACK -> SocketIoPacketType.BINARY_ACK;
            default -> throw new IllegalArgumentException("binary data is only allowed in EVENT and ACK, not " + type);
        };
    }

    private String serialize(JsonNode data) {
        try {
            return writer.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize the packet payload", e);
        }
    }
}
