package io.courier.server;

import io.courier.BroadcastOperator;
import io.courier.EventArgs;
import io.courier.Namespace;
import io.courier.RemoteSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The broadcast half of {@link Namespace}: every method starts from {@link #operator()}, "all sockets". */
abstract class BroadcastingNamespace implements Namespace {
    /** A broadcast operator over every socket this namespace covers. */
    abstract BroadcastOperator operator();

    @Override
    public BroadcastOperator to(String... rooms) {
        return operator().to(rooms);
    }

    @Override
    public BroadcastOperator in(String... rooms) {
        return operator().in(rooms);
    }

    @Override
    public BroadcastOperator except(String... rooms) {
        return operator().except(rooms);
    }

    @Override
    public BroadcastOperator timeout(Duration timeout) {
        return operator().timeout(timeout);
    }

    @Override
    public BroadcastOperator droppable() {
        return operator().droppable();
    }

    @Override
    public BroadcastOperator compress(boolean compress) {
        return operator().compress(compress);
    }

    @Override
    public BroadcastOperator local() {
        return operator().local();
    }

    @Override
    public boolean emit(String event, Object... args) {
        return operator().emit(event, args);
    }

    @Override
    public CompletableFuture<List<EventArgs>> emitWithAck(String event, Object... args) {
        return operator().emitWithAck(event, args);
    }

    @Override
    public CompletableFuture<List<RemoteSocket>> fetchSockets() {
        return operator().fetchSockets();
    }

    @Override
    public void socketsJoin(String... rooms) {
        operator().socketsJoin(rooms);
    }

    @Override
    public void socketsLeave(String... rooms) {
        operator().socketsLeave(rooms);
    }

    @Override
    public void disconnectSockets(boolean close) {
        operator().disconnectSockets(close);
    }
}
