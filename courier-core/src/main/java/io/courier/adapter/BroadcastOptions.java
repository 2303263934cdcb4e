package io.courier.adapter;

import java.util.Set;

/**
 * Who a broadcast goes to and how.
 *
 * @param rooms target rooms; empty means every socket of the namespace
 * @param except rooms whose sockets are excluded (a socket id is a room of its own)
 * @param droppable Socket.IO's {@code volatile}: drop for recipients that cannot take it right now
 * @param compress the per-message compression flag
 * @param local only this node's sockets
 */
public record BroadcastOptions(
        Set<String> rooms, Set<String> except, boolean droppable, boolean compress, boolean local) {
    public BroadcastOptions {
        rooms = Set.copyOf(rooms);
        except = Set.copyOf(except);
    }

    public static BroadcastOptions all() {
        return new BroadcastOptions(Set.of(), Set.of(), false, true, false);
    }
}
