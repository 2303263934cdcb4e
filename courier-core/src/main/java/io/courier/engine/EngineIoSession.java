package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketType;
import io.netty.channel.EventLoop;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Engine.IO session (one {@code sid}): its transport, heartbeat, upgrade and outbound buffer.
 *
 * <p>Threading: the session is owned by one event loop, chosen at the handshake. Every public method is safe from any
 * thread; work from other threads hops to the owner, so state is only touched there and packets leave in the order
 * their {@code send} calls were made from one thread.
 *
 * <p>Outbound bound: see {@link EngineIoConfig#maxBufferedBytes()}.
 */
public final class EngineIoSession {
    private static final Logger log = LoggerFactory.getLogger(EngineIoSession.class);
    private static final VarHandle POST_IN_FLIGHT;

    static {
        try {
            POST_IN_FLIGHT = MethodHandles.lookup().findVarHandle(EngineIoSession.class, "postInFlight", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Receives what the client sends. Called on the session's event loop; must not block. */
    public interface Listener {
        void onMessage(EngineIoSession session, String text);

        void onBinary(EngineIoSession session, byte[] data);

        /** Called once when the session ends, for whatever reason. */
        void onClose(EngineIoSession session, EngineIoCloseReason reason);
    }

    private enum State {
        OPEN,
        /** Server closed a polling session with packets left; they go out with the next poll. */
        CLOSING,
        CLOSED
    }

    /** How long a sid stays known after a client close over polling (see {@link #finish}). */
    private static final long LINGER_MILLIS = 1000;

    private static final Listener NO_LISTENER = new Listener() {
        @Override
        public void onMessage(EngineIoSession s, String text) {}

        @Override
        public void onBinary(EngineIoSession s, byte[] data) {}

        @Override
        public void onClose(EngineIoSession s, EngineIoCloseReason reason) {}
    };

    private final EngineIoServer server;
    private final String sid;
    private final EventLoop loop;
    private final EngineIoRequest request;
    private volatile boolean postInFlight; // set by POST_IN_FLIGHT's compareAndSet
    private Listener listener = NO_LISTENER;
    private volatile Transport transport;
    private volatile State state = State.OPEN;
    private WebSocketTransport probe;
    private boolean upgrading;
    private ArrayDeque<EngineIoPacket> buffer; // allocated on first use: idle WebSocket sessions never need it
    private long bufferedBytes;
    // the heartbeat list the session waits in: for its next ping, or for its pong while awaitingPong (see Heartbeats)
    Heartbeats heartbeat;
    EngineIoSession heartbeatPrev;
    EngineIoSession heartbeatNext;
    long heartbeatDeadline;
    private boolean awaitingPong;
    private ScheduledFuture<?> closingTimer; // while CLOSING: the end, should the client not poll again
    private ScheduledFuture<?> upgradeTimer;
    private boolean lingering; // closed by the client while its poll was in flight: that poll still gets a noop
    private EngineIoCloseReason closingReason; // set while CLOSING
    private boolean listenerNotified;

    EngineIoSession(EngineIoServer server, String sid, EventLoop loop, EngineIoRequest request, Transport transport) {
        this.server = server;
        this.sid = sid;
        this.loop = loop;
        this.request = request;
        this.transport = transport;
    }

    void start(Listener l) {
        listener = l == null ? NO_LISTENER : l;
        schedulePing();
    }

    public String sid() {
        return sid;
    }

    public EngineIoRequest request() {
        return request;
    }

    /** The event loop that owns this session. */
    public EventLoop eventLoop() {
        return loop;
    }

    /** {@code "polling"} or {@code "websocket"}. */
    public String transportName() {
        return transport.name();
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    public EngineIoServer server() {
        return server;
    }

    /** Queues one packet. Safe from any thread. */
    public void send(EngineIoPacket packet) {
        send(List.of(packet), false);
    }

    /**
     * Queues packets that must go out together and in order (a Socket.IO packet and its binary attachments).
     *
     * @param droppable drop the packets instead of buffering them when the transport is not writable right now
     *     (Socket.IO's volatile emits)
     */
    public void send(List<EngineIoPacket> packets, boolean droppable) {
        if (loop.inEventLoop()) {
            write(packets, droppable);
        } else {
            onLoop(() -> write(packets, droppable));
        }
    }

    /**
     * Runs {@code writes} on {@code loop}, which must be the calling thread: the WebSocket packets they send to the
     * loop's sessions are flushed once per session at the end of the loop's turn, not each as it is sent. For a task
     * that sends several packets to each of many sessions; a lone packet is better flushed at once.
     */
    public static void sendTogether(EventLoop loop, Runnable writes) {
        OutboundTurn.together(loop, writes);
    }

    /** Flushes what is buffered, then closes the session with {@code reason}. Safe from any thread. */
    public void close(EngineIoCloseReason reason) {
        onLoop(() -> close(reason, true));
    }

    // ---- called by the HTTP layer (io.courier.netty) ------------------------------------------------------------

    /** Marks a POST as in flight; false if one already is (the caller then rejects it and aborts the session). */
    public boolean beginPost() {
        return POST_IN_FLIGHT.compareAndSet(this, false, true);
    }

    public void endPost() {
        postInFlight = false;
    }

    /** Closes the session at once, discarding buffered packets (protocol violations, overlapping requests). */
    public void abort(EngineIoCloseReason reason) {
        abort(reason, () -> {});
    }

    /**
     * Like {@link #abort(EngineIoCloseReason)}, then runs {@code then} on the owner loop: the HTTP layer answers the
     * offending request only once the session is gone, so the client's next request cannot overtake the close.
     */
    public void abort(EngineIoCloseReason reason, Runnable then) {
        if (loop.inEventLoop()) {
            close(reason, false);
            then.run();
        } else if (!loop.isShuttingDown()) {
            try {
                loop.execute(() -> {
                    close(reason, false);
                    then.run();
                });
            } catch (RejectedExecutionException e) {
                then.run();
            }
        } else {
            then.run();
        }
    }

    /** A long-poll GET arrived for this session. */
    public void onPoll(PollResponder responder) {
        onLoop(() -> handlePoll(responder));
    }

    /** The connection of a pending long-poll closed before it was answered. */
    public void onPollAborted(PollResponder responder) {
        onLoop(() -> {
            if (transport instanceof PollingTransport p && p.isPending(responder)) {
                p.hold(null);
                close(EngineIoCloseReason.TRANSPORT_ERROR, false);
            }
        });
    }

    /** What became of a POST's packets; the HTTP layer answers the POST accordingly. */
    public enum PostOutcome {
        /** The packets were handled (or the session had already ended): answer {@code ok}. */
        HANDLED,
        /** The session switched to WebSocket while the POST was on its way: answer 400, nothing was handled. */
        NOT_POLLING
    }

    /**
     * Packets decoded from a POST body, in order. They are handled on the session's loop, and only then is {@code
     * done} called (on that loop): the HTTP layer answers the POST from there, so nothing the client sends after the
     * answer (its next POST, the {@code 5} of an upgrade, a message over the new WebSocket) can be handled before
     * these packets, whichever connection and event loop it arrives on.
     */
    public void onPost(List<EngineIoPacket> packets, Consumer<PostOutcome> done) {
        boolean queued = onLoop(() -> {
            if (state == State.OPEN && !(transport instanceof PollingTransport)) {
                // the reference server refuses polling requests once the session moved to WebSocket
                log.debug("session {}: POST after the upgrade to WebSocket, refused", sid);
                done.accept(PostOutcome.NOT_POLLING);
                return;
            }
            Transport from = transport;
            for (EngineIoPacket p : packets) {
                onPacket(p, from);
            }
            done.accept(PostOutcome.HANDLED);
        });
        if (!queued) {
            done.accept(PostOutcome.HANDLED); // the server is stopping; the session ends with it
        }
    }

    /** A WebSocket for this (polling) session completed its HTTP upgrade; it becomes the upgrade probe. */
    public void onUpgradeSocket(WebSocketTransport ws) {
        onLoop(() -> {
            if (state != State.OPEN || !(transport instanceof PollingTransport) || probe != null) {
                // a second WebSocket for the same session, or one after the switch: refuse it
                ws.close(null);
                return;
            }
            probe = ws;
            upgradeTimer = loop.schedule(
                    this::upgradeTimedOut, server.config().upgradeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** A packet arrived on a WebSocket that belongs to this session (its transport or its probe). */
    public void onWebSocketPacket(WebSocketTransport ws, EngineIoPacket packet) {
        if (loop.inEventLoop()) {
            onPacket(packet, ws); // the usual case (the WebSocket's loop is the session's): no task object per packet
        } else {
            onLoop(() -> onPacket(packet, ws));
        }
    }

    /** A WebSocket of this session closed or failed. */
    public void onWebSocketClosed(WebSocketTransport ws, EngineIoCloseReason reason) {
        onLoop(() -> {
            if (ws == probe) {
                cancelUpgrade();
            } else if (ws == transport) {
                close(reason, false);
            }
        });
    }

    // ---- session logic, on the owner loop -----------------------------------------------------------------------

    /** Runs {@code task} on the owner loop; false if it will never run (the loop is stopping). */
    private boolean onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return true;
        }
        if (loop.isShuttingDown()) {
            return false;
        }
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            // the loop stopped between the check and the call: the session's connections are gone with it
            return false;
        }
    }

    private void write(List<EngineIoPacket> packets, boolean droppable) {
        if (state != State.OPEN) {
            return;
        }
        Transport t = transport;
        boolean direct = !upgrading && t instanceof WebSocketTransport;
        if (droppable && (upgrading || !t.writable())) {
            server.stats().dropped(packets.size());
            return;
        }
        long size = 0;
        for (int i = 0, n = packets.size(); i < n; i++) { // no iterator: C1-compiled code allocates one per write
            size += packets.get(i).wireSize();
        }
        server.stats().sent(packets.size(), size);
        long max = server.config().maxBufferedBytes();
        if (direct) {
            long pending = t.pendingBytes();
            if (pending > 0 && pending + size > max) {
                overflow(pending + size);
                return;
            }
            t.send(packets);
        } else {
            if (bufferedBytes > 0 && bufferedBytes + size > max) {
                overflow(bufferedBytes + size);
                return;
            }
            if (buffer == null) {
                buffer = new ArrayDeque<>();
            }
            buffer.addAll(packets);
            bufferedBytes += size;
            flush();
        }
    }

    private void overflow(long bytes) {
        log.warn(
                "closing session {} from {}: outbound buffer would hold {} bytes (maxBufferedBytes {})",
                sid,
                request.remoteAddress(),
                bytes,
                server.config().maxBufferedBytes());
        close(EngineIoCloseReason.OUTBOUND_BUFFER_FULL, false);
    }

    private void flush() {
        if (buffer == null || buffer.isEmpty() || upgrading) {
            return;
        }
        if (transport instanceof PollingTransport p && !p.hasPendingPoll()) {
            return;
        }
        List<EngineIoPacket> out = drainBuffer();
        transport.send(out);
    }

    private List<EngineIoPacket> drainBuffer() {
        List<EngineIoPacket> out = buffer == null ? new ArrayList<>(1) : new ArrayList<>(buffer);
        if (buffer != null) {
            buffer.clear();
        }
        bufferedBytes = 0;
        return out;
    }

    private void handlePoll(PollResponder r) {
        if (state == State.CLOSED) {
            if (lingering) {
                lingering = false;
                server.remove(this);
                r.respond(List.of(EngineIoPacket.NOOP));
            } else {
                r.error(EngineIoError.UNKNOWN_SID);
            }
            return;
        }
        if (!(transport instanceof PollingTransport p)) {
            r.error(EngineIoError.BAD_REQUEST);
            return;
        }
        if (p.hasPendingPoll()) {
            log.debug("session {}: overlapping poll from {}", sid, request.remoteAddress());
            r.reject();
            close(EngineIoCloseReason.TRANSPORT_ERROR, false);
            return;
        }
        if (state == State.CLOSING) {
            List<EngineIoPacket> out = drainBuffer();
            out.add(EngineIoPacket.CLOSE);
            r.respond(out);
            finish(closingReason, false);
            return;
        }
        p.hold(r);
        if (upgrading) {
            // the client is pausing polling to switch to its WebSocket: let this poll return at once
            p.release(EngineIoPacket.NOOP);
            return;
        }
        flush();
    }

    private void onPacket(EngineIoPacket packet, Transport from) {
        if (state == State.CLOSING && from == probe && upgrading && packet.type() == EngineIoPacketType.UPGRADE) {
            // the client finished switching while we were waiting to close: the WebSocket carries the rest
            completeUpgrade();
            finish(closingReason, true);
            return;
        }
        if (state != State.OPEN) {
            return;
        }
        if (from == probe) {
            onProbePacket(packet);
            return;
        }
        if (from != transport) {
            return;
        }
        switch (packet.type()) {
            case PONG -> onPong();
            case MESSAGE -> deliver(packet);
            case CLOSE -> close(EngineIoCloseReason.TRANSPORT_CLOSE, false);
            case UPGRADE, NOOP -> {}
            case PING, OPEN -> {
                // v4 reversed the heartbeat: a client ping is a protocol error in the reference server
                log.info(
                        "session {} from {}: a client may not send {} packets (Engine.IO v4); closing",
                        sid,
                        request.remoteAddress(),
                        packet.type());
                close(EngineIoCloseReason.PARSE_ERROR, false);
            }
        }
    }

    private void deliver(EngineIoPacket packet) {
        server.stats().received(packet.wireSize());
        try {
            if (packet.isBinary()) {
                listener.onBinary(this, packet.binary());
            } else {
                listener.onMessage(this, packet.text());
            }
        } catch (RuntimeException e) {
            log.warn("session {}: message listener failed, closing: {}", sid, e.toString());
            close(EngineIoCloseReason.PARSE_ERROR, false);
        }
    }

    private void onProbePacket(EngineIoPacket packet) {
        if (packet.type() == EngineIoPacketType.PING && "probe".equals(packet.text()) && !upgrading) {
            probe.send(List.of(EngineIoPacket.PONG_PROBE));
            upgrading = true;
            if (transport instanceof PollingTransport p) {
                p.release(EngineIoPacket.NOOP);
            }
        } else if (packet.type() == EngineIoPacketType.UPGRADE && upgrading) {
            completeUpgrade();
        } else {
            log.info(
                    "session {} from {}: unexpected {} packet on the upgrade probe; upgrade cancelled, polling goes on",
                    sid,
                    request.remoteAddress(),
                    packet.type());
            probe.close(null);
            cancelUpgrade();
        }
    }

    private void completeUpgrade() {
        cancelTimer(upgradeTimer);
        upgradeTimer = null;
        ((PollingTransport) transport).release(EngineIoPacket.NOOP);
        transport = probe;
        probe = null;
        upgrading = false;
        flush();
        if (buffer != null && buffer.isEmpty()) {
            buffer = null;
        }
    }

    private void cancelUpgrade() {
        cancelTimer(upgradeTimer);
        upgradeTimer = null;
        probe = null;
        upgrading = false;
        flush();
    }

    private void upgradeTimedOut() {
        if (probe != null) {
            log.info(
                    "session {} from {}: upgrade to WebSocket not completed within upgradeTimeout {} ms; polling goes on",
                    sid,
                    request.remoteAddress(),
                    server.config().upgradeTimeout().toMillis());
            probe.close(null);
            cancelUpgrade();
        }
    }

    private void schedulePing() {
        server.heartbeats(loop).pings().join(this);
    }

    /** The ping is due (called by the loop's {@link Heartbeats}, the session already out of its list). */
    void ping() {
        if (state != State.OPEN) {
            return;
        }
        awaitingPong = true;
        // the pong deadline runs from the moment the ping is queued, even if no poll is pending yet
        server.heartbeats(loop).pongs().join(this);
        write(List.of(EngineIoPacket.PING), false);
    }

    /** The pong did not come in time (called by the loop's {@link Heartbeats}). */
    void pongTimedOut() {
        close(EngineIoCloseReason.PING_TIMEOUT, false);
    }

    private void onPong() {
        if (!awaitingPong) {
            return; // unsolicited pongs are ignored and cost nothing
        }
        awaitingPong = false;
        stopHeartbeat();
        schedulePing();
    }

    private void stopHeartbeat() {
        Heartbeats h = heartbeat;
        if (h != null) {
            h.leave(this);
        }
    }

    private void close(EngineIoCloseReason reason, boolean flushFirst) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.OPEN && flushFirst && transport instanceof PollingTransport p && !p.hasPendingPoll()) {
            // keep the session until the client polls once more, so it reads what we sent and the close packet
            state = State.CLOSING;
            closingReason = reason;
            // the session is over for the layers above now; only the goodbye packets are still on their way
            notifyClosed(reason);
            stopHeartbeat();
            closingTimer = loop.schedule(
                    () -> finish(reason, false),
                    server.config()
                            .pingInterval()
                            .plus(server.config().pingTimeout())
                            .toMillis(),
                    TimeUnit.MILLISECONDS);
            return;
        }
        finish(reason, flushFirst);
    }

    private void finish(EngineIoCloseReason reason, boolean flushFirst) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        stopHeartbeat();
        cancelTimer(closingTimer);
        cancelTimer(upgradeTimer);
        if (reason == EngineIoCloseReason.TRANSPORT_CLOSE
                && transport instanceof PollingTransport p
                && !p.hasPendingPoll()) {
            // the client's close POST can overtake its own poll on another connection: keep the sid known for a
            // moment so that poll is released with a noop, as it would have been had it arrived first
            lingering = true;
            loop.schedule(
                    () -> {
                        lingering = false;
                        server.remove(this);
                    },
                    LINGER_MILLIS,
                    TimeUnit.MILLISECONDS);
        } else {
            server.remove(this);
        }
        if (probe != null) {
            // the client is between transports: say why its session ended rather than leave it wondering
            log.info(
                    "session {} from {} closed during its upgrade to WebSocket: {}",
                    sid,
                    request.remoteAddress(),
                    reason.text());
            probe.close(null);
            probe = null;
        }
        Transport t = transport;
        if (t instanceof PollingTransport p) {
            if (p.hasPendingPoll()) {
                List<EngineIoPacket> out = flushFirst ? drainBuffer() : new ArrayList<>(1);
                // a client close releases its poll with noop (the reference's behaviour); anything else says close
                out.add(reason == EngineIoCloseReason.TRANSPORT_CLOSE ? EngineIoPacket.NOOP : EngineIoPacket.CLOSE);
                p.send(out);
            }
        } else {
            if (flushFirst && !upgrading) {
                flush();
            }
            if (reason == EngineIoCloseReason.SERVER_SHUTTING_DOWN && t instanceof WebSocketTransport ws) {
                ws.endWithoutCloseFrame(); // so that every client notices at once (see there)
            } else {
                t.close(null);
            }
        }
        buffer = null;
        bufferedBytes = 0;
        log.debug("session {} closed: {}", sid, reason.text());
        notifyClosed(reason);
    }

    private void notifyClosed(EngineIoCloseReason reason) {
        if (listenerNotified) {
            return;
        }
        listenerNotified = true;
        try {
            listener.onClose(this, reason);
        } catch (RuntimeException e) {
            log.warn("session {}: close listener failed: {}", sid, e.toString());
        }
    }

    private static void cancelTimer(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
