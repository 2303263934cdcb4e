package io.courier.server;

import io.courier.BroadcastOperator;
import io.courier.ConnectionHandler;
import io.courier.Middleware;
import io.courier.Namespace;
import io.courier.Socket;
import io.courier.adapter.Adapter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A dynamic namespace: children are created on the first CONNECT whose name matches. Middlewares and connection
 * handlers added here apply to every child, including those created earlier; emits reach all children.
 */
public final class ParentNamespace extends BroadcastingNamespace {
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

    @Override
    BroadcastOperator operator() {
        Collection<DefaultNamespace> view = children;
        return new DefaultBroadcastOperator(runtime, () -> view);
    }
}
