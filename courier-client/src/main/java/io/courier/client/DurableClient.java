package io.courier.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The hub's durable protocol on the main namespace (README, "Durable queues"): {@code subscribe}, {@code unsubscribe}
 * and {@code publish} with acks; deliveries (the published arguments, then {@code {channel, id, seq}}, then an ack
 * request) routed to their subscription's handler, acknowledged after it, and dropped when their id was handled
 * already; {@code courier:continuity-lost} routed to the subscription of its channel.
 */
final class DurableClient {
    private static final System.Logger log = System.getLogger(DurableClient.class.getName());
    static final String CONTINUITY_LOST = "courier:continuity-lost";

    private final CourierClient client;
    private final Map<String, Sub> subs = new ConcurrentHashMap<>();
    private final Map<String, Seen> seen; // on the event loop

    private static final class Sub {
        final DurableSubscription handle;
        final Function<Delivery, ? extends CompletionStage<?>> handler;
        final Consumer<ContinuityLost> onGap;
        final AtomicLong duplicates = new AtomicLong();

        Sub(
                DurableSubscription handle,
                Function<Delivery, ? extends CompletionStage<?>> handler,
                Consumer<ContinuityLost> onGap) {
            this.handle = handle;
            this.handler = handler;
            this.onGap = onGap;
        }
    }

    /** A message id this client has seen: handled ({@code done}) or being handled, and the ack to send after it. */
    private static final class Seen {
        boolean done;
        Ack ack;

        Seen(Ack ack) {
            this.ack = ack;
        }
    }

    DurableClient(CourierClient client, int maxIds) {
        this.client = client;
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

    /** The main namespace connected (again): repeat the subscriptions (a no-op on the hub for an identity's). */
    void connected(ClientSocket socket) {
        for (Sub sub : subs.values()) {
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
        Seen s = seen.get(id);
        if (s != null) {
            sub.duplicates.incrementAndGet();
            if (s.done) {
                ack.reply();
            } else {
                s.ack = ack; // the handler is still at work: acknowledge on the newest connection when it is done
            }
            return true;
        }
        seen.put(id, new Seen(ack));
        Delivery delivery = new Delivery(
                sub.handle.channel(), id, meta.path("seq").asLong(), event, args.subList(0, args.size() - 1));
        client.callback(() -> {
            CompletionStage<?> stage;
            try {
                stage = sub.handler.apply(delivery);
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "durable handler of " + delivery.channel() + " threw; not acknowledged", e);
                client.loop().execute(() -> seen.remove(id));
                return;
            }
            if (stage == null) {
                stage = CompletableFuture.completedFuture(null);
            }
            stage.whenComplete((v, e) -> client.loop().execute(() -> {
                if (e != null) {
                    log.log(Level.WARNING, "durable handler of " + delivery.channel() + " failed; not acknowledged", e);
                    seen.remove(id);
                    return;
                }
                Seen done = seen.get(id);
                if (done != null) {
                    done.done = true;
                    done.ack.reply();
                }
            }));
        });
        return true;
    }
}
