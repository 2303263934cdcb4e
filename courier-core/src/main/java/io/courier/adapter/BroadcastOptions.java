package io.courier.adapter;

import java.time.Duration;
import java.util.Set;

/**
 * Who a broadcast goes to and how.
 *
 * @param rooms target rooms; empty means every socket of the namespace
 * @param except rooms whose sockets are excluded (a socket id is a room of its own)
 * @param droppable Socket.IO's {@code volatile}: drop for recipients that cannot take it right now
 * @param compress the per-message compression flag
 * @param local only this node's sockets
 * @param timeout how long a cluster request made for these options ({@code fetchSockets}, acks of a broadcast) may
 *     wait for the peers; null: the adapter's own default (socket.io's {@code flags.timeout})
 */
public record BroadcastOptions(
        Set<String> rooms, Set<String> except, boolean droppable, boolean compress, boolean local, Duration timeout) {
    public BroadcastOptions {
        rooms = Set.copyOf(rooms);
        except = Set.copyOf(except);
    }

    public BroadcastOptions(Set<String> rooms, Set<String> except, boolean droppable, boolean compress, boolean local) {
        this(rooms, except, droppable, compress, local, null);
    }

    public static BroadcastOptions all() {
        return new BroadcastOptions(Set.of(), Set.of(), false, true, false);
    }
}
