package io.courier.adapter;

/** A local socket as the adapter sees it. */
public interface Member {
    String id();

    /**
     * Queues the packet for this socket.
     *
     * @param droppable drop it if the connection cannot take it right now
     * @param ack if not null, registered for the packet's ack id before sending
     */
    void deliver(OutboundPacket packet, boolean droppable, AckCallback ack);

    /** Leaves the namespace (see {@code Socket.disconnect}). */
    void disconnect(boolean close);

    /** This socket as a cluster adapter sends it to a peer that asked for {@link Adapter#fetchSockets}. */
    SocketDetails describe();
}
