package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import java.util.Objects;

/**
 * A decoded or to-be-encoded Socket.IO packet.
 *
 * <p>Invariants, checked on construction (violations throw {@link IllegalArgumentException} or {@link
 * NullPointerException}):
 *
 * <ul>
 *   <li>{@code type} is never {@link SocketIoPacketType#BINARY_EVENT} or {@link SocketIoPacketType#BINARY_ACK}:
 *       those exist only on the wire. A packet that carries binary is an {@code EVENT} or {@code ACK} whose
 *       {@code data} contains {@link BinaryNode}s at the positions of the attachments; the encoder picks the wire
 *       type 5/6 by itself.
 *   <li>{@code namespace} is {@code "/"} or starts with {@code "/"}, and contains no {@code ','} (the wire format
 *       cannot carry one).
 *   <li>{@code ackId} is {@code -1} when absent, otherwise {@code >= 0}; an {@code ACK} always has one, and
 *       {@code CONNECT}, {@code DISCONNECT} and {@code CONNECT_ERROR} never have one.
 * </ul>
 *
 * <p>{@code data} is null when absent. Its shape is not checked here (the decoder checks what peers send). The
 * tree is not copied: do not mutate it after handing it over.
 *
 * @param type the packet type
 * @param namespace the namespace, {@code "/"} for the main one
 * @param ackId the acknowledgement id, or {@code -1}
 * @param data the payload, or null
 */
public record SocketIoPacket(SocketIoPacketType type, String namespace, long ackId, JsonNode data) {

    /** The value of {@link #ackId()} when the packet has no acknowledgement id. */
    public static final long NO_ACK_ID = -1;

    /** Validates the invariants listed on the type. */
    public SocketIoPacket {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(namespace, "namespace");
        if (type.isBinary()) {
            throw new IllegalArgumentException(
                    type + " exists only on the wire; use EVENT or ACK with BinaryNode data");
        }
        if (!namespace.startsWith("/")) {
            throw new IllegalArgumentException("namespace must start with '/'");
        }
        if (namespace.indexOf(',') >= 0) {
            throw new IllegalArgumentException("namespace must not contain ','");
        }
        if (ackId < NO_ACK_ID) {
            throw new IllegalArgumentException("ack id must be -1 (absent) or >= 0, got " + ackId);
        }
        if (type == SocketIoPacketType.ACK && ackId == NO_ACK_ID) {
            throw new IllegalArgumentException("an ACK packet needs an ack id");
        }
        if (ackId != NO_ACK_ID && type != SocketIoPacketType.EVENT && type != SocketIoPacketType.ACK) {
            throw new IllegalArgumentException("a " + type + " packet cannot have an ack id");
        }
    }

    /**
     * A CONNECT packet: a client's request (data = auth object, or null) or the server's acceptance (data = {@code
     * {"sid": ...}}).
     *
     * @param namespace the namespace
     * @param data the payload object, or null
     * @return the packet
     */
    public static SocketIoPacket connect(String namespace, JsonNode data) {
        return new SocketIoPacket(SocketIoPacketType.CONNECT, namespace, NO_ACK_ID, data);
    }

    /**
     * A DISCONNECT packet, which has no payload.
     *
     * @param namespace the namespace
     * @return the packet
     */
    public static SocketIoPacket disconnect(String namespace) {
        return new SocketIoPacket(SocketIoPacketType.DISCONNECT, namespace, NO_ACK_ID, null);
    }

    /**
     * An EVENT packet without an ack id.
     *
     * @param namespace the namespace
     * @param data {@code [eventName, ...args]}, not null
     * @return the packet
     */
    public static SocketIoPacket event(String namespace, ArrayNode data) {
        return event(namespace, NO_ACK_ID, data);
    }

    /**
     * An EVENT packet, requesting an acknowledgement when {@code ackId >= 0}.
     *
     * @param namespace the namespace
     * @param ackId the ack id, or {@link #NO_ACK_ID}
     * @param data {@code [eventName, ...args]}, not null
     * @return the packet
     */
    public static SocketIoPacket event(String namespace, long ackId, ArrayNode data) {
        return new SocketIoPacket(SocketIoPacketType.EVENT, namespace, ackId, Objects.requireNonNull(data, "data"));
    }

    /**
     * An ACK packet answering the event with the same ack id.
     *
     * @param namespace the namespace
     * @param ackId the ack id, {@code >= 0}
     * @param data the reply arguments (possibly empty), not null
     * @return the packet
     */
    public static SocketIoPacket ack(String namespace, long ackId, ArrayNode data) {
        return new SocketIoPacket(SocketIoPacketType.ACK, namespace, ackId, Objects.requireNonNull(data, "data"));
    }

    /**
     * A CONNECT_ERROR packet refusing a namespace connection.
     *
     * @param namespace the namespace
     * @param data usually {@code {"message": ..., "data": ...}}, not null
     * @return the packet
     */
    public static SocketIoPacket connectError(String namespace, JsonNode data) {
        return new SocketIoPacket(
                SocketIoPacketType.CONNECT_ERROR, namespace, NO_ACK_ID, Objects.requireNonNull(data, "data"));
    }

    /**
     * Whether the packet carries an acknowledgement id.
     *
     * @return {@code ackId() >= 0}
     */
    public boolean hasAckId() {
        return ackId >= 0;
    }
}
