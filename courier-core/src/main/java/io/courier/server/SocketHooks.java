package io.courier.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.AnyEventHandler;
import io.courier.DisconnectHandler;
import io.courier.DisconnectReason;
import io.courier.EventArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A socket's listeners besides its per-event handlers ({@code onAny}, {@code onAnyOutgoing}, disconnecting and
 * disconnect), and how they run: in registration order, each failure logged and contained. A socket creates it on the
 * first registration: most sockets never register one, and an idle socket should stay small.
 */
final class SocketHooks {
    private static final Logger log = LoggerFactory.getLogger(DefaultSocket.class);

    final List<AnyEventHandler> any = new CopyOnWriteArrayList<>();
    final List<AnyEventHandler> anyOutgoing = new CopyOnWriteArrayList<>();
    final List<DisconnectHandler> disconnect = new CopyOnWriteArrayList<>();
    final List<DisconnectHandler> disconnecting = new CopyOnWriteArrayList<>();
    private final String socketId;
    private final SocketIoRuntime runtime;

    SocketHooks(String socketId, SocketIoRuntime runtime) {
        this.socketId = socketId;
        this.runtime = runtime;
    }

    /** An event arrived; on the socket's lane, before its handlers. */
    void incoming(String event, EventArgs args) {
        for (AnyEventHandler h : any) {
            try {
                h.handle(event, args);
            } catch (Exception e) {
                log.warn("socket {}: onAny handler failed for event '{}'", socketId, event, e);
            }
        }
    }

    /** The socket sends {@code data} ({@code [event, ...args]}); on the emitting thread. */
    void outgoing(String event, ArrayNode data) {
        if (anyOutgoing.isEmpty()) {
            return;
        }
        List<JsonNode> args = new ArrayList<>();
        for (int i = 1; i < data.size(); i++) {
            args.add(data.get(i));
        }
        EventArgs eventArgs = new EventArgs(args, runtime.mapper());
        for (AnyEventHandler h : anyOutgoing) {
            try {
                h.handle(event, eventArgs);
            } catch (Exception e) {
                log.warn("socket {}: onAnyOutgoing handler failed", socketId, e);
            }
        }
    }

    /** The socket is about to leave (it still has its rooms); on its lane. */
    void disconnecting(DisconnectReason reason) {
        run(disconnecting, reason);
    }

    /** The socket left; on its lane. */
    void disconnected(DisconnectReason reason) {
        run(disconnect, reason);
    }

    private void run(List<DisconnectHandler> handlers, DisconnectReason reason) {
        for (DisconnectHandler h : handlers) {
            try {
                h.onDisconnect(reason);
            } catch (Exception e) {
                log.warn("socket {}: disconnect handler failed", socketId, e);
            }
        }
    }
}
