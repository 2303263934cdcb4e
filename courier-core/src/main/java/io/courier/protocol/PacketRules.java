package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The semantic rules a received packet must follow, per wire type: whether an ack id is required, allowed or
 * forbidden, and the shape of the payload. Only the top level of the payload is inspected.
 */
final class PacketRules {

    /** Event names the reference implementation reserves for its own lifecycle; a peer may not emit them. */
    static final Set<String> RESERVED_EVENT_NAMES =
            Set.of("connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");

    private PacketRules() {}

    /**
     * Checks the ack id and payload of a packet.
     *
     * @param header the parsed header
     * @param data the parsed payload, or null when absent
     * @throws SocketIoProtocolException when a rule is violated
     */
    static void check(PacketHeader header, JsonNode data) {
        SocketIoPacketType type = header.wireType();
        boolean hasAckId = header.ackId() != SocketIoPacket.NO_ACK_ID;
        switch (type) {
            case CONNECT -> {
                forbidAckId(type, hasAckId);
                if (data != null && !data.isObject()) {
                    throw invalidPayload(type, "expected an object or nothing");
                }
            }
            case DISCONNECT -> {
                forbidAckId(type, hasAckId);
                if (data != null) {
                    throw invalidPayload(type, "expected nothing");
                }
            }
            case EVENT, BINARY_EVENT -> checkEventData(type, data);
            case ACK, BINARY_ACK -> {
                if (!hasAckId) {
                    throw new SocketIoProtocolException("missing ack id for " + type);
                }
                if (data == null || !data.isArray()) {
                    throw invalidPayload(type, "expected an array");
                }
            }
            case CONNECT_ERROR -> {
                forbidAckId(type, hasAckId);
                if (data == null || !(data.isObject() || data.isTextual())) {
                    throw invalidPayload(type, "expected an object or a string");
                }
            }
        }
    }

    private static void checkEventData(SocketIoPacketType type, JsonNode data) {
        if (data == null || !data.isArray()) {
            throw invalidPayload(type, "expected an array");
        }
        if (data.isEmpty()) {
            throw invalidPayload(type, "expected a non-empty array");
        }
        JsonNode name = data.get(0);
        if (name.isTextual()) {
            if (RESERVED_EVENT_NAMES.contains(name.textValue())) {
                throw new SocketIoProtocolException("reserved event name '" + name.textValue() + "'");
            }
        } else if (!name.isNumber()) {
            throw invalidPayload(type, "event name must be a string or a number");
        }
    }

    private static void forbidAckId(SocketIoPacketType type, boolean hasAckId) {
        if (hasAckId) {
            throw new SocketIoProtocolException("unexpected ack id for " + type);
        }
    }

    private static SocketIoProtocolException invalidPayload(SocketIoPacketType type, String detail) {
        return new SocketIoProtocolException("invalid payload for " + type + " (" + detail + ")");
    }
}
