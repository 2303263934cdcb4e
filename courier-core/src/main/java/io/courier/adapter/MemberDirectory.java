package io.courier.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Collection;
import java.util.List;

/** The namespace's local sockets, as given to its adapter. Thread-safe. */
public interface MemberDirectory {
    /** The namespace name. */
    String name();

    /** The local socket with that id, or null. */
    Member member(String id);

    /** A weakly consistent view of all local sockets. */
    Collection<? extends Member> members();

    /**
     * Delivers one packet to many local sockets (see {@link Member#deliver}). The namespace may batch the work, e.g.
     * one task per event loop instead of one per recipient; the default delivers member by member.
     */
    default void deliver(List<? extends Member> targets, OutboundPacket packet, boolean droppable, AckCallback ack) {
        for (Member m : targets) {
            m.deliver(packet, droppable, ack);
        }
    }

    /**
     * Delivers one packet to every local socket (a broadcast with no rooms and no exceptions). The namespace may walk
     * its own sockets instead of a list of members; the default delivers to {@link #members()}.
     */
    default void deliverToAll(OutboundPacket packet, boolean droppable) {
        deliver(List.copyOf(members()), packet, droppable, null);
    }

    /**
     * A server-side emit from another node ({@code [event, ...args]}) arrived: runs this namespace's handlers for it.
     * {@code reply} is null when the sender asked for no acknowledgement; otherwise it receives this node's answer
     * (once). Any thread; the handlers run on the handler executor.
     */
    void receiveServerSideEmit(List<JsonNode> data, AckCallback reply);

    /**
     * Encodes, once for all local recipients, an EVENT of this namespace that a peer broadcast ({@code [event,
     * ...args]}, binary values as {@code BinaryNode}s). With {@code withAck} the packet gets an ack id of this node, as
     * {@link Adapter#broadcastWithAck} needs: a peer's ack id could clash with the ones this node handed out.
     */
    OutboundPacket encodeEvent(ArrayNode data, boolean withAck);
}
