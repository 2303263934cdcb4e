package io.courier.adapter;

/**
 * Told when a local socket joins or leaves a room (Socket.IO's adapter {@code join-room} / {@code leave-room}
 * events). Called on the thread that changed the room, after the change; must be quick and must not throw.
 */
public interface RoomListener {
    void joined(String room, String socketId);

    void left(String room, String socketId);
}
