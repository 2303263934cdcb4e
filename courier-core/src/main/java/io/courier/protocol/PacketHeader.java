package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The lexical part of a Socket.IO packet text, before its JSON payload: type digit, attachment count (types 5/6),
 * namespace and ack id. Parsing is linear in the header length and stops early on over-long digit runs.
 *
 * @param wireType the type as written on the wire (may be 5 or 6)
 * @param attachments the announced attachment count, 0 for non-binary types
 * @param namespace the namespace, {@code "/"} when absent
 * @param ackId the ack id, or {@link SocketIoPacket#NO_ACK_ID}
 * @param payloadStart the index of the first payload character; equals the text length when there is no payload
 */
record PacketHeader(SocketIoPacketType wireType, int attachments, String namespace, long ackId, int payloadStart) {

    /** The longest accepted ack id: 15 digits always fit a JavaScript safe integer (2^53 - 1). */
    static final int MAX_ACK_ID_DIGITS = 15;

    /** The longest attachment count that is parsed exactly; longer ones are rejected without being read. */
    static final int MAX_COUNT_DIGITS = 18;

    /**
     * Parses the header of {@code text}.
     *
     * @throws SocketIoProtocolException on an unknown type, a malformed or too large attachment count, or an
     *     over-long ack id
     */
    static PacketHeader parse(String text, int maxAttachments) {
        if (text.isEmpty()) {
            throw new SocketIoProtocolException("empty packet");
        }
        char typeChar = text.charAt(0);
        if (typeChar < '0' || typeChar > '6') {
            throw new SocketIoProtocolException("unknown packet type '" + printable(typeChar) + "'");
        }
        SocketIoPacketType type = SocketIoPacketType.fromCode(typeChar - '0');
        int pos = 1;
        int attachments = 0;
        if (type.isBinary()) {
            int countEnd = digitRunEnd(text, pos, MAX_COUNT_DIGITS + 1);
            attachments = checkAttachmentCount(text, pos, countEnd, maxAttachments);
            pos = countEnd + 1; // skip the '-'
        }
        String namespace = "/";
        if (pos < text.length() && text.charAt(pos) == '/') {
            int comma = text.indexOf(',', pos);
            int end = comma < 0 ? text.length() : comma;
            namespace = text.substring(pos, end);
            pos = comma < 0 ? end : comma + 1;
        }
        long ackId = SocketIoPacket.NO_ACK_ID;
        int idEnd = digitRunEnd(text, pos, MAX_ACK_ID_DIGITS + 1);
        if (idEnd > pos) {
            if (idEnd - pos > MAX_ACK_ID_DIGITS) {
                throw new SocketIoProtocolException(
                        "invalid ack id (more than " + MAX_ACK_ID_DIGITS + " digits at position " + pos + ")");
            }
            ackId = Long.parseLong(text, pos, idEnd, 10);
            pos = idEnd;
        }
        return new PacketHeader(type, attachments, namespace, ackId, pos);
    }

    /** Checks the digit run {@code [start, end)} and the '-' after it; returns the count. */
    private static int checkAttachmentCount(String text, int start, int end, int maxAttachments) {
        if (end == start) {
            throw new SocketIoProtocolException(
                    "invalid attachment count (expected a digit at position " + start + ")");
        }
        if (end - start > MAX_COUNT_DIGITS) {
            throw new SocketIoProtocolException(
                    "too many attachments (more than " + MAX_COUNT_DIGITS + " digits at position " + start + ")");
        }
        long count = Long.parseLong(text, start, end, 10);
        if (count > maxAttachments) {
            throw new SocketIoProtocolException("too many attachments (" + count + " > " + maxAttachments + ")");
        }
        if (end >= text.length() || text.charAt(end) != '-') {
            throw new SocketIoProtocolException("invalid attachment count (expected '-' at position " + end + ")");
        }
        return (int) count;
    }

    /** Returns the end of the run of ASCII digits starting at {@code from}, looking at no more than {@code limit}. */
    private static int digitRunEnd(String text, int from, int limit) {
        int end = from;
        int stop = (int) Math.min(text.length(), (long) from + limit);
        while (end < stop) {
            char c = text.charAt(end);
            if (c < '0' || c > '9') {
                break;
            }
            end++;
        }
        return end;
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }

    /** Whether the wire type is 5 or 6. */
    boolean isBinary() {
        return wireType.isBinary();
    }

    /** Builds the decoded packet with this header and {@code data}; wire types 5/6 become EVENT/ACK. */
    SocketIoPacket toPacket(JsonNode data) {
        SocketIoPacketType type =
                switch (wireType) {
                    case BINARY_EVENT -> SocketIoPacketType.EVENT;
                    case BINARY_ACK -> SocketIoPacketType.ACK;
                    default -> wireType;
                };
        return new SocketIoPacket(type, namespace, ackId, data);
    }
}
