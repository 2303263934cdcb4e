package io.courier.adapter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The in-process adapter: two concurrent maps (room to sockets, socket to rooms).
 *
 * <p>A socket's own id room is implicit — it is not stored — which keeps an idle socket that joined no room at zero
 * entries here.
 */
public final class LocalAdapter implements Adapter {
    private final java.util.List<RoomListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final MemberDirectory namespace;
    private final Map<String, Set<String>> rooms = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> socketRooms = new ConcurrentHashMap<>();

    public LocalAdapter(MemberDirectory namespace) {
        this.namespace = namespace;
    }

    @Override
    public void addAll(String socketId, Set<String> toJoin) {
        for (String room : toJoin) {
            if (room.equals(socketId)) {
                continue;
            }
            boolean[] added = new boolean[1];
            socketRooms.compute(socketId, (k, set) -> {
                Set<String> s = set == null ? ConcurrentHashMap.newKeySet() : set;
                added[0] = s.add(room);
                return s;
            });
            rooms.compute(room, (k, set) -> {
                Set<String> s = set == null ? ConcurrentHashMap.newKeySet() : set;
                s.add(socketId);
                return s;
            });
            if (added[0]) {
                for (RoomListener l : listeners) {
                    l.joined(room, socketId);
                }
            }
        }
    }

    @Override
    public void del(String socketId, String room) {
        boolean[] removed = new boolean[1];
        socketRooms.computeIfPresent(socketId, (k, set) -> {
            removed[0] = set.remove(room);
            return set.isEmpty() ? null : set;
        });
        rooms.computeIfPresent(room, (k, set) -> {
            set.remove(socketId);
            return set.isEmpty() ? null : set;
        });
        if (removed[0]) {
            for (RoomListener l : listeners) {
                l.left(room, socketId);
            }
        }
    }

    @Override
    public void addRoomListener(RoomListener listener) {
        listeners.add(listener);
    }

    @Override
    public void delAll(String socketId) {
        Set<String> joined = socketRooms.remove(socketId);
        if (joined != null) {
            for (String room : joined) {
                rooms.computeIfPresent(room, (k, set) -> {
                    set.remove(socketId);
                    return set.isEmpty() ? null : set;
                });
                for (RoomListener l : listeners) {
                    l.left(room, socketId);
                }
            }
        }
    }

    @Override
    public Set<String> socketRooms(String socketId) {
        if (namespace.member(socketId) == null && !socketRooms.containsKey(socketId)) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        out.add(socketId);
        out.addAll(socketRooms.getOrDefault(socketId, Set.of()));
        return Collections.unmodifiableSet(out);
    }

    @Override
    public Set<String> sockets(Set<String> inRooms) {
        Set<String> out = new HashSet<>();
        forEachMatch(new BroadcastOptions(inRooms, Set.of(), false, false, true), m -> out.add(m.id()));
        return out;
    }

    /** Whether any local socket is in {@code room} (a socket's own id included). */
    public boolean hasRoom(String room) {
        return rooms.containsKey(room) || namespace.member(room) != null;
    }

    /** The rooms that have local sockets, their own id rooms included (socket.io's {@code adapter.rooms.keys()}). */
    public Set<String> rooms() {
        Set<String> out = new HashSet<>(rooms.keySet());
        for (Member m : namespace.members()) {
            out.add(m.id());
        }
        return out;
    }

    @Override
    public void broadcast(OutboundPacket packet, BroadcastOptions options) {
        OutboundPacket p = packet.compressed(options.compress());
        if (options.rooms().isEmpty() && options.except().isEmpty()) {
            namespace.deliverToAll(p, options.droppable()); // io.emit: every socket, no list of members
        } else {
            namespace.deliver(matches(options), p, options.droppable(), null);
        }
    }

    @Override
    public CompletableFuture<Integer> broadcastWithAck(
            OutboundPacket packet, BroadcastOptions options, IntConsumer clientCount, AckCallback ack) {
        List<Member> targets = matches(options);
        clientCount.accept(targets.size());
        namespace.deliver(targets, packet.compressed(options.compress()), options.droppable(), ack);
        return CompletableFuture.completedFuture(1);
    }

    @Override
    public CompletableFuture<FetchedSockets> fetchSockets(BroadcastOptions options) {
        return CompletableFuture.completedFuture(new FetchedSockets(matches(options), List.of()));
    }

    @Override
    public void addSockets(BroadcastOptions options, Set<String> toJoin) {
        forEachMatch(options, m -> addAll(m.id(), toJoin));
    }

    @Override
    public void delSockets(BroadcastOptions options, Set<String> toLeave) {
        forEachMatch(options, m -> toLeave.forEach(room -> del(m.id(), room)));
    }

    @Override
    public void disconnectSockets(BroadcastOptions options, boolean close) {
        for (Member m : matches(options)) {
            m.disconnect(close);
        }
    }

    private List<Member> matches(BroadcastOptions options) {
        List<Member> out = new ArrayList<>();
        forEachMatch(options, out::add);
        return out;
    }

    /** Calls {@code action} once for each socket in the target rooms (or all) and in none of the excluded rooms. */
    private void forEachMatch(BroadcastOptions options, Consumer<Member> action) {
        Set<String> except = options.except().isEmpty() ? Set.of() : excludedIds(options.except());
        if (options.rooms().isEmpty()) {
            if (except.isEmpty()) { // io.emit: no member's id is read (hashing it would touch every id string)
                for (Member m : namespace.members()) {
                    action.accept(m);
                }
                return;
            }
            for (Member m : namespace.members()) {
                if (!except.contains(m.id())) {
                    action.accept(m);
                }
            }
            return;
        }
        Set<String> seen = options.rooms().size() > 1 ? new HashSet<>() : null;
        for (String room : options.rooms()) {
            Set<String> ids = rooms.get(room);
            if (ids != null) {
                for (String id : ids) {
                    visit(id, except, seen, action);
                }
            }
            // the implicit room named after a socket id
            if (namespace.member(room) != null) {
                visit(room, except, seen, action);
            }
        }
    }

    private void visit(String id, Set<String> except, Set<String> seen, Consumer<Member> action) {
        if ((!except.isEmpty() && except.contains(id)) || (seen != null && !seen.add(id))) {
            return;
        }
        Member m = namespace.member(id);
        if (m != null) {
            action.accept(m);
        }
    }

    private Set<String> excludedIds(Set<String> exceptRooms) {
        Set<String> out = new HashSet<>();
        for (String room : exceptRooms) {
            out.add(room);
            Set<String> ids = rooms.get(room);
            if (ids != null) {
                out.addAll(ids);
            }
        }
        return out;
    }
}
