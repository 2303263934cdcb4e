package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * {@link Parser#DEFAULT}'s decoder: decodes the Socket.IO packets received on one connection, reassembling binary packets from their text header and
 * the binary attachments that follow it.
 *
 * <p>Stateful: use one instance per Engine.IO session, from one thread at a time (not thread-safe). Every
 * violation throws {@link SocketIoProtocolException}; after a throw the partially reassembled packet, if any, has
 * been dropped, and the connection is expected to be closed.
 *
 * <p>Accepted input, per the reference parser (socket.io-parser 4.2.x) plus hardening: type digit 0-6; for 5/6 an
 * attachment count of at most {@code maxAttachments} then {@code '-'}; an optional namespace starting with {@code
 * '/'} and ending at the first {@code ','} (consumed) or at the end of the text; an optional ack id of at most 15
 * digits (required for ACK, allowed only for EVENT and ACK); then nothing or exactly one JSON value whose shape
 * suits the type (CONNECT: object or nothing; DISCONNECT: nothing; EVENT: non-empty array starting with a string
 * that is not a reserved name, or a number; ACK: array; CONNECT_ERROR: object or string). In a 5/6 packet every
 * object with {@code "_placeholder": true} must be exactly {@code {"_placeholder":true,"num":N}} with {@code 0 <= N
 * < count}; it is replaced by a {@link com.fasterxml.jackson.databind.node.BinaryNode} of the N-th attachment.
 */
public final class SocketIoPacketDecoder implements PacketDecoder {

    private static final String EMPTY_ARGS = "[]";
    private static final String CUMULATIVE_ARGS = "[{\"cumulative\":true}]";

    private final JsonPayloadReader payloadReader; // shared by every decoder of the same mapper
    private final int maxAttachments;
    private PartialBinaryPacket pending;

    /**
     * Creates a decoder.
     *
     * @param mapper the mapper used to parse payloads; its {@code StreamReadConstraints} bound the JSON (it is not
     *     reconfigured)
     * @param maxAttachments the largest attachment count accepted in one binary packet (the server's default is 10)
     * @throws IllegalArgumentException if {@code maxAttachments} is negative
     */
    public SocketIoPacketDecoder(ObjectMapper mapper, int maxAttachments) {
        Objects.requireNonNull(mapper, "mapper");
        if (maxAttachments < 0) {
            throw new IllegalArgumentException("maxAttachments must be >= 0, got " + maxAttachments);
        }
        this.payloadReader = JsonPayloadReader.of(mapper);
        this.maxAttachments = maxAttachments;
    }

    /**
     * Decodes one text message: the data of an Engine.IO message, without its {@code 4} type prefix.
     *
     * @param text the packet text
     * @return the packet, or null when it is the header of a binary packet that waits for attachments (see {@link
     *     #decodeBinary})
     * @throws SocketIoProtocolException on any protocol violation, including a text message arriving while
     *     attachments are still expected
     */
    @Override
    public SocketIoPacket decodeText(String text) {
        Objects.requireNonNull(text, "text");
        if (pending != null) {
            int missing = pending.missing();
            pending = null;
            throw new SocketIoProtocolException("expected " + missing + " attachment(s), got a text packet");
        }
        PacketHeader header = PacketHeader.parse(text, maxAttachments);
        JsonNode data = payloadReader.read(text, header.payloadStart());
        PacketRules.check(header, data);
        if (!header.isBinary()) {
            return header.toPacket(data);
        }
        PartialBinaryPacket partial =
                new PartialBinaryPacket(header, data, PlaceholderSlots.collect(data, header.attachments()));
        if (partial.missing() == 0) {
            return partial.assemble(payloadReader.nodes());
        }
        pending = partial;
        return null;
    }

    @Override
    public long emptyMainAckId(String text) {
        return mainAckId(text, EMPTY_ARGS);
    }

    @Override
    public long cumulativeMainAckId(String text) {
        return mainAckId(text, CUMULATIVE_ARGS);
    }

    /**
     * The id of {@code text} if it is {@code '3'}, 1 to {@link PacketHeader#MAX_ACK_ID_DIGITS} digits and exactly
     * {@code args}; not while attachments are expected (decodeText refuses any text then).
     */
    private long mainAckId(String text, String args) {
        int n = text.length() - args.length();
        if (n < 2 || n > 1 + PacketHeader.MAX_ACK_ID_DIGITS || text.charAt(0) != '3' || pending != null) {
            return -1;
        }
        if (!text.endsWith(args)) {
            return -1;
        }
        long id = 0;
        for (int i = 1; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            id = id * 10 + (c - '0');
        }
        return id;
    }

    /**
     * Feeds one binary attachment of the pending binary packet. The decoder takes ownership of the array (it is
     * not copied): the caller must not modify it afterwards.
     *
     * @param attachment the attachment bytes
     * @return the complete packet when this was the last expected attachment, otherwise null
     * @throws SocketIoProtocolException if no binary packet is waiting for attachments
     */
    @Override
    public SocketIoPacket decodeBinary(byte[] attachment) {
        Objects.requireNonNull(attachment, "attachment");
        if (pending == null) {
            throw new SocketIoProtocolException("unexpected binary attachment (no binary packet is pending)");
        }
        pending.add(attachment);
        if (pending.missing() > 0) {
            return null;
        }
        PartialBinaryPacket complete = pending;
        pending = null;
        return complete.assemble(payloadReader.nodes());
    }

    /**
     * Whether a binary packet header has been received and its attachments are still expected.
     *
     * @return true while {@link #decodeText} would reject a text message
     */
    public boolean awaitingAttachments() {
        return pending != null;
    }

    /** Drops a partially reassembled packet, if any (for example when the connection closes). */
    @Override
    public void reset() {
        pending = null;
    }
}
