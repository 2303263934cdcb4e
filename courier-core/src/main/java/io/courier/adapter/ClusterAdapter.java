package io.courier.adapter;

import java.util.Set;

/**
 * A start for a cluster adapter: this node's room index is a {@link LocalAdapter} (rooms are joined and left here,
 * and only here), and a subclass adds what travels to the other nodes: broadcasts, requests and their answers.
 */
public abstract class ClusterAdapter implements Adapter {
    /** This node's sockets and rooms; every cluster-wide operation acts on it too. */
    protected final LocalAdapter local;

    protected ClusterAdapter(MemberDirectory namespace) {
        this.local = new LocalAdapter(namespace);
    }

    @Override
    public void addAll(String socketId, Set<String> rooms) {
        local.addAll(socketId, rooms);
    }

    @Override
    public void del(String socketId, String room) {
        local.del(socketId, room);
    }

    @Override
    public void delAll(String socketId) {
        local.delAll(socketId);
    }

    @Override
    public Set<String> socketRooms(String socketId) {
        return local.socketRooms(socketId);
    }

    @Override
    public Set<String> sockets(Set<String> rooms) {
        return local.sockets(rooms);
    }

    @Override
    public void addRoomListener(RoomListener listener) {
        local.addRoomListener(listener);
    }
}
