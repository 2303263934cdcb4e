package io.courier.server;

import io.courier.BroadcastOperator;
import io.courier.ConnectionHandler;
import io.courier.EventArgs;
import io.courier.EventHandler;
import io.courier.Middleware;
import io.courier.Namespace;
import io.courier.Socket;
import io.courier.adapter.Adapter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A dynamic namespace: children are created on the first CONNECT whose name matches. Middlewares and connection
 * handlers added here apply to every child, including those created earlier (server-side event handlers too); emits
 * reach all children.
 */
public final class ParentNamespace extends BroadcastingNamespace {
    private final SocketIoRuntime runtime;
    private final Predicate<String> matcher;
    private final String description;
    final List<Middleware> middlewares = new CopyOnWriteArrayList<>();
    final List<ConnectionHandler> connectionHandlers = new CopyOnWriteArrayList<>();
    final ServerSideHandlers serverSideHandlers = new ServerSideHandlers();
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

    /** Sends the server-side event from every child namespace created so far. */
    @Override
    public boolean serverSideEmit(String event, Object... args) {
        EventNames.checkEmittable(event);
        children.forEach(child -> child.serverSideEmit(event, args));
        return true;
    }

    /** The answers to every child's server-side emit, together. */
    @Override
    public CompletableFuture<List<EventArgs>> serverSideEmitWithAck(String event, Object... args) {
        EventNames.checkEmittable(event);
        List<CompletableFuture<List<EventArgs>>> parts = new ArrayList<>();
        children.forEach(child -> parts.add(child.serverSideEmitWithAck(event, args)));
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<EventArgs> out = new ArrayList<>();
            parts.forEach(p -> out.addAll(p.join()));
            return out;
        });
    }

    /** Handles the server-side event in every child, including those created earlier. */
    @Override
    public Namespace onServerSideEmit(String event, EventHandler handler) {
        serverSideHandlers.add(event, handler);
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

    @Override
    BroadcastOperator operator() {
        Collection<DefaultNamespace> view = children;
        return new DefaultBroadcastOperator(runtime, () -> view);
    }
}
