package io.courier.server;

import io.courier.BroadcastOperator;
import io.courier.ConnectionHandler;
import io.courier.EventArgs;
import io.courier.Middleware;
import io.courier.Namespace;
import io.courier.RemoteSocket;
import io.courier.Socket;
import io.courier.adapter.Adapter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A dynamic namespace: children are created on the first CONNECT whose name matches. Middlewares and connection
 * handlers added here apply to every child, including those created earlier; emits reach all children.
 */
public final class ParentNamespace implements Namespace {
    private final SocketIoRuntime runtime;
    private final Predicate<String> matcher;
    private final String description;
    final List<Middleware> middlewares = new CopyOnWriteArrayList<>();
    final List<ConnectionHandler> connectionHandlers = new CopyOnWriteArrayList<>();
    private final List<DefaultNamespace> children = new CopyOnWriteArrayList<>();

    ParentNamespace(SocketIoRuntime runtime, Predicate<String> matcher, String description) {
        this.runtime = runtime;
        this.matcher = matcher;
        this.description = description;
    }

    boolean matches(String name) {
        return matcher.test(name);
    }

    DefaultNamespace createChild(String name) {
        DefaultNamespace child = new DefaultNamespace(runtime, name, this);
        children.add(child);
        return child;
    }

    /** The child namespaces created so far. */
    public List<Namespace> children() {
        return List.copyOf(children);
    }

    @Override
    public String name() {
        return description;
    }

    @Override
    public Namespace use(Middleware middleware) {
        middlewares.add(middleware);
        return this;
    }

    @Override
    public Namespace onConnection(ConnectionHandler handler) {
        connectionHandlers.add(handler);
        return this;
    }

    @Override
    public Map<String, Socket> sockets() {
        return Map.of();
    }

    @Override
    public Adapter adapter() {
        return null;
    }

    private BroadcastOperator all() {
        Collection<DefaultNamespace> view = children;
        return new DefaultBroadcastOperator(runtime, () -> view);
    }

    @Override
    public BroadcastOperator to(String... rooms) {
        return all().to(rooms);
    }

    @Override
    public BroadcastOperator in(String... rooms) {
        return all().in(rooms);
    }

    @Override
    public BroadcastOperator except(String... rooms) {
        return all().except(rooms);
    }

    @Override
    public BroadcastOperator timeout(Duration timeout) {
        return all().timeout(timeout);
    }

    @Override
    public BroadcastOperator droppable() {
        return all().droppable();
    }

    @Override
    public BroadcastOperator compress(boolean compress) {
        return all().compress(compress);
    }

    @Override
    public BroadcastOperator local() {
        return all().local();
    }

    @Override
    public boolean emit(String event, Object... args) {
        return all().emit(event, args);
    }

    @Override
    public CompletableFuture<List<EventArgs>> emitWithAck(String event, Object... args) {
        return all().emitWithAck(event, args);
    }

    @Override
    public CompletableFuture<List<RemoteSocket>> fetchSockets() {
        return all().fetchSockets();
    }

    @Override
    public void socketsJoin(String... rooms) {
        all().socketsJoin(rooms);
    }

    @Override
    public void socketsLeave(String... rooms) {
        all().socketsLeave(rooms);
    }

    @Override
    public void disconnectSockets(boolean close) {
        all().disconnectSockets(close);
    }
}
