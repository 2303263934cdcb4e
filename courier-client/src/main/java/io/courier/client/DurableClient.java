package io.courier.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The hub's durable protocol on the main namespace (README, "Durable queues"): {@code subscribe}, {@code unsubscribe}
 * and {@code publish} with acks; deliveries (the published arguments, then {@code {channel, id, seq}}, then an ack
 * request) routed to their subscription's handler, acknowledged after it (those handled together with one cumulative
 * ack, held for more while fewer than half the hub's window are handled, {@link #sendAcks}), and dropped when their id
 * was handled already; {@code courier:continuity-lost} routed to the subscription of its channel.
 */
final class DurableClient {
    private static final System.Logger log = System.getLogger(DurableClient.class.getName());
    static final String CONTINUITY_LOST = "courier:continuity-lost";

    /** The argument of a cumulative ack: it acknowledges the earlier deliveries of its channel on its connection too. */
    private static final Map<String, Object> CUMULATIVE = Map.of("cumulative", true);

    private final CourierClient client;
    private final boolean cumulativeAcks;
    private final long ackDelayNanos;
    /**
     * Half the hub's in-flight window, from its reply to {@code subscribe} (one window for all channels): handled
     * deliveries at the front of a subscription's owed acks are held for one cumulative ack until there are this many,
     * or for {@link #ackDelayNanos}. 0 until a reply named the window; below 2 nothing is held.
     */
    private volatile int ackBatch;

    private final Map<String, Sub> subs = new ConcurrentHashMap<>();
    private final Map<String, Seen> seen; // on the event loop
    private int handlersRunning; // on the event loop: handlers started whose outcome has not come back to it
    private Runnable afterHandlers; // on the event loop: what the client's close does once they are done

    private static final class Sub {
        final DurableSubscription handle;
        final Function<Delivery, ? extends CompletionStage<?>> handler;
        final Consumer<ContinuityLost> onGap;
        final AtomicLong duplicates = new AtomicLong();
        /**
         * The acks owed on the current connection, in the order its deliveries arrived (the hub's seq order); on the
         * event loop. At most the hub's in-flight window: the hub sends no more until some are acknowledged.
         */
        final ArrayDeque<Owed> owed = new ArrayDeque<>();
        /** A handler failed on this connection: no cumulative ack may cover its delivery, so none is sent any more. */
        boolean failedHere;
        /** {@link #sendAcks} is queued on the loop: what is handled until it runs is acknowledged together. */
        boolean ackQueued;
        /** Handled deliveries are held for one cumulative ack: this sends it at the latest. */
        ScheduledFuture<?> ackTimer;

        Sub(
                DurableSubscription handle,
                Function<Delivery, ? extends CompletionStage<?>> handler,
                Consumer<ContinuityLost> onGap) {
            this.handle = handle;
            this.handler = handler;
            this.onGap = onGap;
        }
    }

    /** A message id this client has seen: handled ({@code done}) or being handled, and the ack owed after it. */
    private static final class Seen {
        boolean done;
        Owed owed;

        Seen(Owed owed) {
            this.owed = owed;
        }
    }

    private enum AckState {
        HANDLING,
        HANDLED,
        FAILED
    }

    /** One delivery's ack on the connection that carried it. */
    private static final class Owed {
        final Ack ack;
        AckState state = AckState.HANDLING;

        Owed(Ack ack) {
            this.ack = ack;
        }
    }

    DurableClient(CourierClient client, int maxIds, boolean cumulativeAcks, Duration ackDelay) {
        this.client = client;
        this.cumulativeAcks = cumulativeAcks;
        this.ackDelayNanos = ackDelay.toNanos();
        this.seen = new LinkedHashMap<String, Seen>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
                return size() > maxIds;
            }
        };
    }

    DurableSubscription subscribe(
            String channel, Function<Delivery, ? extends CompletionStage<?>> handler, Consumer<ContinuityLost> onGap) {
        if (channel == null || channel.isEmpty()) {
            throw new IllegalArgumentException("empty channel name");
        }
        if (handler == null) {
            throw new IllegalArgumentException("no handler");
        }
        DurableSubscription handle = new DurableSubscription(this, channel);
        Sub sub = new Sub(handle, handler, onGap);
        if (subs.putIfAbsent(channel, sub) != null) {
            throw new IllegalStateException("already subscribed to " + channel);
        }
        ClientSocket socket = client.socket();
        if (channel.startsWith("@")) {
            handle.subscribed.complete(null); // an identity's own channel: always subscribed
        } else {
            socket.emitWithAck("subscribe", channel).whenComplete((reply, failure) -> {
                if (failure != null) {
                    subs.remove(channel, sub);
                    handle.subscribed.completeExceptionally(failure);
                } else if (reply.node(0).path("ok").asBoolean(false)) {
                    hubWindow(reply.node(0).path("window").asInt(0));
                    handle.subscribed.complete(null);
                } else {
                    subs.remove(channel, sub);
                    handle.subscribed.completeExceptionally(
                            new DurableException(reply.node(0).path("error").asText("subscribe refused")));
                }
            });
        }
        socket.connect();
        return handle;
    }

    /** The hub's in-flight window per subscriber and channel, as its reply to {@code subscribe} names it (0: none). */
    void hubWindow(int window) {
        if (window > 0) {
            ackBatch = window / 2;
        }
    }

    CompletableFuture<Void> unsubscribe(DurableSubscription handle) {
        Sub sub = subs.get(handle.channel());
        if (sub == null || sub.handle != handle) {
            return CompletableFuture.completedFuture(null);
        }
        subs.remove(handle.channel(), sub);
        return client.socket().emitWithAck("unsubscribe", handle.channel()).thenApply(reply -> {
            if (!reply.node(0).path("ok").asBoolean(false)) {
                throw new DurableException(reply.node(0).path("error").asText("unsubscribe refused"));
            }
            return null;
        });
    }

    CompletableFuture<String> publish(String channel, String event, Object... args) {
        Object[] all = new Object[args.length + 2];
        all[0] = channel;
        all[1] = event;
        System.arraycopy(args, 0, all, 2, args.length);
        return client.socket().connect().emitWithAck("publish", all).thenApply(reply -> {
            JsonNode r = reply.node(0);
            if (!r.path("ok").asBoolean(false)) {
                throw new DurableException(r.path("error").asText("publish refused"));
            }
            return r.path("id").asText();
        });
    }

    long duplicates(String channel) {
        Sub sub = subs.get(channel);
        return sub == null ? 0 : sub.duplicates.get();
    }

    /**
     * The main namespace connected (again), on the event loop: the acks owed on the old connection can no longer reach
     * the hub, and the subscriptions are repeated (a no-op on the hub for an identity's).
     */
    void connected(ClientSocket socket) {
        for (Sub sub : subs.values()) {
            sub.owed.clear();
            sub.failedHere = false;
            stopTimer(sub);
            if (!sub.handle.channel().startsWith("@") && sub.handle.subscribed.isDone()) {
                try {
                    socket.emit("subscribe", sub.handle.channel());
                } catch (SendBufferFullException e) {
                    log.log(Level.WARNING, "could not repeat the subscription to " + sub.handle.channel(), e);
                }
            }
        }
    }

    /** Takes a delivery or a continuity-lost event of a subscribed channel; on the event loop. */
    boolean route(String event, Args args, Ack ack) {
        if (CONTINUITY_LOST.equals(event)) {
            JsonNode info = args.node(0);
            Sub sub = subs.get(info.path("channel").asText(""));
            if (sub == null) {
                return false;
            }
            ContinuityLost lost = new ContinuityLost(
                    info.path("channel").asText(),
                    info.path("fromSeq").asLong(),
                    info.path("toSeq").asLong());
            if (sub.onGap != null) {
                client.callback(() -> sub.onGap.accept(lost));
            } else {
                log.log(Level.WARNING, "hub reports lost messages: " + lost);
            }
            ack.reply();
            return true;
        }
        if (args.size() == 0) {
            return false;
        }
        JsonNode meta = args.node(args.size() - 1);
        if (!meta.isObject()
                || !meta.path("channel").isTextual()
                || !meta.path("id").isTextual()) {
            return false;
        }
        Sub sub = subs.get(meta.get("channel").textValue());
        if (sub == null) {
            return false;
        }
        String id = meta.get("id").textValue();
        Owed owed = new Owed(ack);
        sub.owed.add(owed);
        Seen s = seen.get(id);
        if (s != null) {
            sub.duplicates.incrementAndGet();
            if (s.done) {
                handled(sub, owed);
            } else {
                s.owed = owed; // the handler is still at work: acknowledge on the newest connection when it is done
            }
            return true;
        }
        seen.put(id, new Seen(owed));
        handlersRunning++;
        Delivery delivery = new Delivery(
                sub.handle.channel(), id, meta.path("seq").asLong(), event, args.subList(0, args.size() - 1));
        client.callback(() -> {
            CompletionStage<?> stage;
            try {
                stage = sub.handler.apply(delivery);
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "durable handler of " + delivery.channel() + " threw; not acknowledged", e);
                client.loop().execute(() -> {
                    failed(sub, id);
                    handlerDone();
                });
                return;
            }
            if (stage == null) {
                stage = CompletableFuture.completedFuture(null);
            }
            stage.whenComplete((v, e) -> client.loop().execute(() -> {
                if (e != null) {
                    log.log(Level.WARNING, "durable handler of " + delivery.channel() + " failed; not acknowledged", e);
                    failed(sub, id);
                } else {
                    Seen done = seen.get(id);
                    if (done != null) {
                        done.done = true;
                        handled(sub, done.owed);
                    }
                }
                handlerDone();
            }));
        });
        return true;
    }

    /** On the loop: a handler failed; its delivery stays unacknowledged, so it comes again on the next connection. */
    private void failed(Sub sub, String id) {
        Seen s = seen.remove(id);
        if (s != null) {
            s.owed.state = AckState.FAILED;
            queueAcks(sub);
        }
    }

    /** On the loop: a delivery was handled; its ack goes out with the others handled before {@link #sendAcks} runs. */
    private void handled(Sub sub, Owed owed) {
        owed.state = AckState.HANDLED;
        queueAcks(sub);
    }

    private void queueAcks(Sub sub) {
        if (!sub.ackQueued) {
            sub.ackQueued = true;
            client.loop().execute(() -> sendAcks(sub, false));
        }
    }

    /**
     * On the loop, as the client closes: once the handlers still at work are done (at most {@code wait}), the acks of
     * every handled delivery go out, held or on their way (a new process would get those deliveries again), then
     * {@code then} runs.
     */
    void sendAcksOnceHandled(Duration wait, Runnable then) {
        afterHandlers = () -> {
            afterHandlers = null;
            for (Sub sub : subs.values()) {
                sendAcks(sub, true);
            }
            then.run();
        };
        if (handlersRunning == 0) {
            afterHandlers.run();
            return;
        }
        client.loop().schedule(this::stopWaitingForHandlers, wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** On the loop: the close waited long enough; the handlers still at work lose their acks (they come again). */
    private void stopWaitingForHandlers() {
        if (afterHandlers != null) {
            log.log(Level.DEBUG, handlersRunning + " durable handlers still at work as the client closes");
            afterHandlers.run();
        }
    }

    /** On the loop: a handler's outcome came back. */
    private void handlerDone() {
        if (--handlersRunning == 0 && afterHandlers != null) {
            afterHandlers.run();
        }
    }

    private static void stopTimer(Sub sub) {
        if (sub.ackTimer != null) {
            sub.ackTimer.cancel(false);
            sub.ackTimer = null;
        }
    }

    /**
     * How many handled deliveries are at the front of the owed acks, before the first one still being handled; -1 when a
     * failed one comes first.
     */
    private static int handledInFront(ArrayDeque<Owed> owed) {
        int n = 0;
        for (Owed o : owed) {
            if (o.state == AckState.FAILED) {
                return -1;
            }
            if (o.state == AckState.HANDLING) {
                break;
            }
            n++;
        }
        return n;
    }

    /**
     * On the loop: acknowledges what was handled. The handled deliveries at the front of the owed acks get one ack,
     * cumulative when it stands for several (for the newest of them); while they are fewer than {@link #ackBatch},
     * they are held for it, up to the ack delay ({@code due}: that delay is over, or the client closes). One handled
     * behind a delivery still being handled is acknowledged alone at once, so that a slow handler holds one place of
     * the hub's window, not all of them. A failed delivery is left unacknowledged, and from then on every ack of the
     * connection is sent alone.
     */
    private void sendAcks(Sub sub, boolean due) {
        sub.ackQueued = false;
        ArrayDeque<Owed> owed = sub.owed;
        int batch = ackBatch;
        if (!due && cumulativeAcks && !sub.failedHere && ackDelayNanos > 0 && batch > 1) {
            int handled = handledInFront(owed);
            if (handled > 0 && handled < batch) {
                if (sub.ackTimer == null) {
                    sub.ackTimer =
                            client.loop().schedule(() -> sendAcks(sub, true), ackDelayNanos, TimeUnit.NANOSECONDS);
                }
                acknowledgeBehind(owed);
                return;
            }
        }
        stopTimer(sub);
        Owed newest = null; // handled at the front, not acknowledged yet
        int covered = 0;
        while (!owed.isEmpty() && owed.peekFirst().state != AckState.HANDLING) {
            Owed o = owed.pollFirst();
            if (o.state == AckState.FAILED) {
                acknowledge(newest, covered);
                newest = null;
                covered = 0;
                sub.failedHere = true;
            } else if (o.state == AckState.HANDLED) {
                if (cumulativeAcks && !sub.failedHere) {
                    newest = o;
                    covered++;
                } else {
                    o.ack.reply();
                }
            }
        }
        acknowledge(newest, covered);
        acknowledgeBehind(owed);
    }

    /**
     * Acknowledges, each alone, the handled deliveries behind one still being handled, and no longer owes them: the
     * queue keeps only unacknowledged ones, so it stays within the hub's window however long the one in front takes.
     */
    private static void acknowledgeBehind(ArrayDeque<Owed> owed) {
        boolean behind = false; // the front ones handled in a row are held for one cumulative ack
        for (Iterator<Owed> it = owed.iterator(); it.hasNext(); ) {
            Owed o = it.next();
            behind |= o.state == AckState.HANDLING;
            if (behind && o.state == AckState.HANDLED) {
                it.remove();
                o.ack.reply();
            }
        }
    }

    private static void acknowledge(Owed newest, int covered) {
        if (newest != null) {
            if (covered == 1) {
                newest.ack.reply();
            } else {
                newest.ack.reply(CUMULATIVE);
            }
        }
    }
}
