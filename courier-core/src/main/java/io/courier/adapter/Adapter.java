package io.courier.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * The room index and fan-out of one namespace (Socket.IO's adapter). Every method is thread-safe and must not block:
 * a cluster implementation returns futures and does its I/O asynchronously.
 *
 * <p>A socket's own id is always one of its rooms.
 *
 * <p>In a cluster the methods that take {@link BroadcastOptions} also act on the peers' sockets unless
 * {@link BroadcastOptions#local()}; the peers answer requests ({@link #fetchSockets}, {@link #serverCount},
 * {@link #serverSideEmitWithAck}, the counts and acks of {@link #broadcastWithAck}) within the options' timeout or
 * the adapter's default, and a future whose peers did not all answer fails with {@link AdapterTimeoutException}:
 * no request waits forever.
 */
public interface Adapter {
    /** Adds the socket to the rooms. */
    void addAll(String socketId, Set<String> rooms);

    /** Removes the socket from one room. */
    void del(String socketId, String room);

    /** Removes the socket from every room (it is leaving). */
    void delAll(String socketId);

    /** The socket's rooms, its own id included; empty if unknown. */
    Set<String> socketRooms(String socketId);

    /** The local sockets in any of {@code rooms} (all local sockets when empty). */
    Set<String> sockets(Set<String> rooms);

    /** Delivers to every matching socket (and, in a cluster, asks the peers to do the same). */
    void broadcast(OutboundPacket packet, BroadcastOptions options);

    /**
     * Delivers with an ack request: {@code clientCount} receives the number of recipients (once per node in a
     * cluster), {@code ack} each recipient's reply. Completes with the number of nodes that got the packet, this one
     * included (1 for a single node or {@link BroadcastOptions#local()}): the caller waits for that many counts. A
     * cluster adapter says how many nodes its message reached, not how many there were a moment before, so that a
     * node joining or leaving meanwhile is not waited for in vain.
     */
    CompletableFuture<Integer> broadcastWithAck(
            OutboundPacket packet, BroadcastOptions options, IntConsumer clientCount, AckCallback ack);

    /** The matching sockets: this node's as members, the peers' as they described them. */
    CompletableFuture<FetchedSockets> fetchSockets(BroadcastOptions options);

    /** Makes the matching sockets join {@code rooms}. */
    void addSockets(BroadcastOptions options, Set<String> rooms);

    /** Makes the matching sockets leave {@code rooms}. */
    void delSockets(BroadcastOptions options, Set<String> rooms);

    /** Disconnects the matching sockets. */
    void disconnectSockets(BroadcastOptions options, boolean close);

    /** How many nodes the cluster has, this one included (1 for a single node). */
    default CompletableFuture<Integer> serverCount() {
        return CompletableFuture.completedFuture(1);
    }

    /**
     * Sends {@code [event, ...args]} to this namespace on every other node, where it reaches
     * {@link MemberDirectory#receiveServerSideEmit}; not to this node. A single node has no one to tell.
     */
    default void serverSideEmit(List<JsonNode> data) {}

    /**
     * Like {@link #serverSideEmit}, and completes with each other node's answer (its acknowledgement arguments), or
     * fails with {@link AdapterTimeoutException} carrying the answers so far. A single node completes at once with none.
     */
    default CompletableFuture<List<List<JsonNode>>> serverSideEmitWithAck(List<JsonNode> data) {
        return CompletableFuture.completedFuture(List.of());
    }

    /**
     * Registers a listener told when a local socket joins or leaves a room other than its own id. The default keeps
     * no listeners (an adapter that cannot tell).
     */
    default void addRoomListener(RoomListener listener) {}

    /** Releases resources when the server stops. */
    default void close() {}
}
