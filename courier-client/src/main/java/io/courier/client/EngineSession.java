package io.courier.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Engine.IO v4 session as a client: the handshake on the first transport, the heartbeat (answers the server's
 * pings, gives up after pingInterval + pingTimeout without one), the write buffer, and the upgrade from polling to
 * WebSocket (probe, pause polling, {@code 5}, switch). Everything runs on the client's event loop.
 */
final class EngineSession implements Transport.Events {
    /** What the session reports to its client; on the event loop. */
    interface Listener {
        void onOpen(EngineSession session);

        void onMessage(EngineSession session, EnginePacket message);

        /** Once, at the end; {@code opened} says whether the handshake had completed. */
        void onClose(EngineSession session, String reason, Throwable cause, boolean opened);
    }

    private final ClientOptions options;
    private final EventLoop loop;
    private final Listener listener;
    private final ArrayDeque<Queued> writeBuffer = new ArrayDeque<>();

    /** A packet waiting for the transport, and what to run when it leaves the buffer (written or dropped). */
    private static final class Queued {
        final EnginePacket packet;
        final Runnable onLeave;

        Queued(EnginePacket packet, Runnable onLeave) {
            this.packet = packet;
            this.onLeave = onLeave;
        }
    }

    private Transport transport;
    private Transport probe;
    private boolean upgrading;
    private boolean open;
    private boolean closed;
    private String sid;
    private long pingInterval;
    private long pingTimeout;
    private int maxPayload;
    private ScheduledFuture<?> pingTimer;
    private ScheduledFuture<?> openTimer;

    EngineSession(ClientOptions options, EventLoop loop, Listener listener) {
        this.options = options;
        this.loop = loop;
        this.listener = listener;
    }

    void open() {
        String first = options.transports.get(0);
        transport = "websocket".equals(first)
                ? new WebSocketTransport(options, loop, null, this)
                : new PollingTransport(options, loop, this);
        openTimer = loop.schedule(
                () -> close("timeout", new TimeoutException("no Engine.IO handshake within " + options.connectTimeout)),
                options.connectTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        transport.open();
    }

    String sid() {
        return sid;
    }

    /** The transport carrying the session now ("polling" or "websocket"). */
    String transportName() {
        return transport.name();
    }

    boolean isOpen() {
        return open && !closed;
    }

    /** Queues a packet and writes as soon as the transport can. */
    void send(EnginePacket p) {
        send(p, null);
    }

    /** Queues a packet; {@code onLeave} (may be null) runs once it is handed to the transport or dropped. */
    void send(EnginePacket p, Runnable onLeave) {
        if (closed) {
            if (onLeave != null) {
                onLeave.run();
            }
            return;
        }
        writeBuffer.add(new Queued(p, onLeave));
        flush();
    }

    private void flush() {
        if (!open || closed || upgrading || writeBuffer.isEmpty() || !transport.writable()) {
            return;
        }
        List<EnginePacket> batch = new ArrayList<>();
        boolean polling = "polling".equals(transport.name());
        long size = 0;
        while (!writeBuffer.isEmpty()) {
            Queued q = writeBuffer.peek();
            int len = q.packet.pollingLength() + 1;
            if (polling && !batch.isEmpty() && size + len > maxPayload) {
                break;
            }
            size += len;
            writeBuffer.poll();
            batch.add(q.packet);
            if (q.onLeave != null) {
                q.onLeave.run();
            }
        }
        transport.send(batch);
    }

    @Override
    public void onTransportOpen(Transport t) {
        if (t == probe) {
            probe.send(List.of(EnginePacket.of(EnginePacket.PING, "probe")));
        }
        // the first WebSocket waits for the open packet
    }

    @Override
    public void onPacket(Transport t, EnginePacket p) {
        if (closed) {
            return;
        }
        if (t == probe) {
            if (p.type == EnginePacket.PONG && "probe".equals(p.text)) {
                upgrading = true;
                transport.pause(this::switchToProbe);
            } else {
                dropProbe();
            }
            return;
        }
        if (t != transport) {
            return;
        }
        switch (p.type) {
            case EnginePacket.OPEN:
                handshake(p);
                break;
            case EnginePacket.PING:
                if (open) {
                    armPingTimer();
                    send(EnginePacket.of(EnginePacket.PONG, p.text));
                }
                break;
            case EnginePacket.MESSAGE:
                if (open) {
                    listener.onMessage(this, p);
                }
                break;
            case EnginePacket.CLOSE:
                close("transport close", null);
                break;
            default: // noop, stray pong or upgrade: nothing to do
        }
    }

    private void handshake(EnginePacket p) {
        if (open) {
            close("parse error", new ProtocolException("second open packet"));
            return;
        }
        JsonNode h;
        try {
            h = SocketIoPacket.Json.MAPPER.readTree(p.text);
        } catch (Exception e) {
            h = null;
        }
        if (h == null || !h.path("sid").isTextual()) {
            close("parse error", new ProtocolException("invalid open packet: " + p));
            return;
        }
        sid = h.get("sid").asText();
        pingInterval = h.path("pingInterval").asLong(25_000);
        pingTimeout = h.path("pingTimeout").asLong(20_000);
        maxPayload = h.path("maxPayload").asInt(1_000_000);
        transport.sid(sid);
        open = true;
        openTimer.cancel(false);
        armPingTimer();
        boolean canUpgrade = false;
        for (JsonNode u : h.path("upgrades")) {
            canUpgrade |= "websocket".equals(u.asText());
        }
        listener.onOpen(this);
        if (closed) {
            return;
        }
        flush();
        if (canUpgrade
                && options.upgrade
                && "polling".equals(transport.name())
                && options.transports.contains("websocket")) {
            probe = new WebSocketTransport(options, loop, sid, this);
            probe.open();
        }
    }

    /** Whether a WebSocket probe is open or polling is paused for one; on the event loop. For tests. */
    boolean probing() {
        return probe != null || upgrading;
    }

    private void switchToProbe() {
        if (closed || probe == null) {
            return;
        }
        Transport old = transport;
        transport = probe;
        probe = null;
        old.close(false);
        transport.send(List.of(EnginePacket.of(EnginePacket.UPGRADE, "")));
        upgrading = false;
        // the remaining buffer goes out when the upgrade packet is written (onDrain)
    }

    private void dropProbe() {
        if (probe != null) {
            probe.close(false);
            probe = null;
        }
        if (upgrading) {
            // polling was paused (or was pausing) for a probe that failed: the server has not seen an upgrade packet,
            // so the session goes on over polling. When the server closed the session (which closes the probe too),
            // the pending or the next poll brings its close packet, and the reason is "transport close" as it
            // should be, whichever of the two connections the client hears from first.
            upgrading = false;
            transport.resume();
            flush();
        }
    }

    private void armPingTimer() {
        if (pingTimer != null) {
            pingTimer.cancel(false);
        }
        pingTimer = loop.schedule(() -> close("ping timeout", null), pingInterval + pingTimeout, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onDrain(Transport t) {
        if (t == transport) {
            flush();
        }
    }

    @Override
    public void onTransportError(Transport t, String reason, Throwable cause) {
        if (t == probe) {
            probe = null;
            dropProbe();
            return;
        }
        if (t == transport) {
            close(reason, cause);
        }
    }

    /** Ends the session (the client's own close is reason "io client disconnect"); idempotent. */
    void close(String reason, Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        if (pingTimer != null) {
            pingTimer.cancel(false);
        }
        if (openTimer != null) {
            openTimer.cancel(false);
        }
        if (probe != null) {
            probe.close(false);
            probe = null;
        }
        for (Queued q : writeBuffer) {
            if (q.onLeave != null) {
                q.onLeave.run();
            }
        }
        writeBuffer.clear();
        transport.close("io client disconnect".equals(reason) && open);
        listener.onClose(this, reason, cause, open);
    }
}
