package io.courier.standalone;

import io.courier.Ack;
import io.courier.Courier;
import io.courier.DurableQueues;
import io.courier.EventArgs;
import io.courier.Handshake;
import io.courier.Socket;
import io.courier.durable.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's client protocol on namespace {@code /} (README, "Durable queues"): {@code subscribe(channel)},
 * {@code unsubscribe(channel)} and {@code publish(channel, event, ...args)}, each answered through the client's ack
 * callback with {@code {ok: true, ...}} or {@code {ok: false, error}}, under the {@link ChannelRules}.
 *
 * <p>With a JWT secret, a client connects only with a valid {@code auth.token} (see {@link Jwt}); its {@code sub} is
 * its durable identity and its claims say what it may subscribe and publish to. Without one (dev mode), a client
 * names its identity with {@code auth.clientId}.
 *
 * <p>A client with an identity subscribes durably to a durable channel (the subscription outlives the connection);
 * other subscriptions last as long as the connection (a room named after the channel) and receive only what is
 * published while connected, with the same last argument {@code {channel, id, seq}} ({@code seq} 0 on a channel that
 * is not durable).
 */
final class HubProtocol {
    private static final Logger log = LoggerFactory.getLogger(HubProtocol.class);
    private static final String ROOM_PREFIX = "channel:";

    private final Courier io;
    private final ChannelRules rules;
    private final byte[] jwtSecret; // null in dev mode
    private final boolean jwtRequireExp;
    private final Clock clock;

    /** A channel no rule matches. */
    static final class UnknownChannelException extends IllegalArgumentException {
        UnknownChannelException(String channel) {
            super("unknown channel " + channel);
        }
    }

    HubProtocol(Courier io, ChannelRules rules, String jwtSecret, Clock clock) {
        this(io, rules, jwtSecret, true, clock);
    }

    /**
     * @param jwtRequireExp whether a token without {@code exp} is refused
     */
    HubProtocol(Courier io, ChannelRules rules, String jwtSecret, boolean jwtRequireExp, Clock clock) {
        this.io = io;
        this.rules = rules;
        this.jwtSecret = jwtSecret == null ? null : jwtSecret.getBytes(StandardCharsets.UTF_8);
        this.jwtRequireExp = jwtRequireExp;
        this.clock = clock;
    }

    /** Ends connections whose token expires; one daemon thread for all hubs in the process, made when needed. */
    private static final class Expiry {
        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(
                    1, Thread.ofPlatform().name("courier-token-expiry").daemon().factory());
            t.setRemoveOnCancelPolicy(true); // a socket that leaves first takes its task with it
            return t;
        }
    }

    /** Dev mode and no rules: every channel exists and is durable, anyone may do anything. */
    static HubProtocol install(Courier io) {
        HubProtocol hub = new HubProtocol(io, ChannelRules.devMode(), null, Clock.systemUTC());
        hub.install();
        return hub;
    }

    /**
     * The durable identity a handshake proves ({@code sub} of a valid {@code auth.token}, with a JWT secret) or claims
     * ({@code auth.clientId}, in dev mode), or null: the resolver for {@code durableQueues(d -> d.identity(...))}.
     */
    static java.util.function.Function<Handshake, String> identityResolver(String jwtSecret, Clock clock) {
        return identityResolver(jwtSecret, true, clock);
    }

    /** {@link #identityResolver(String, Clock)}, with or without requiring {@code exp}. */
    static java.util.function.Function<Handshake, String> identityResolver(
            String jwtSecret, boolean requireExp, Clock clock) {
        if (jwtSecret == null) {
            return handshake -> handshake.auth("clientId").orElse(null);
        }
        byte[] secret = jwtSecret.getBytes(StandardCharsets.UTF_8);
        return handshake -> {
            try {
                return Jwt.verify(handshake.auth("token").orElse(null), secret, clock, requireExp)
                        .subject();
            } catch (Jwt.InvalidToken e) {
                return null;
            }
        };
    }

    void install() {
        if (jwtSecret != null) {
            io.use((socket, next) -> {
                try {
                    verify(socket);
                    next.accept();
                } catch (Jwt.InvalidToken e) {
                    log.info("client {} refused: {}", socket.handshake().address(), e.getMessage());
                    next.reject("unauthorized", Map.of("reason", e.getMessage()));
                }
            });
        }
        DurableQueues durable = io.durable();
        int window = io.config().durable().inFlightWindow();
        io.onConnection(socket -> {
            Optional<String> identity = durable.identity(socket);
            log.info(
                    "event=connect socket={} clientId={} transport={} address={}",
                    socket.id(),
                    identity.orElse("-"),
                    socket.transport(),
                    socket.handshake().address());
            ScheduledFuture<?> expiry = endAtExpiry(socket, identity.orElse("-"));
            socket.onDisconnect(reason -> {
                if (expiry != null) {
                    expiry.cancel(false);
                }
                log.info(
                        "event=disconnect socket={} clientId={} reason=\"{}\"",
                        socket.id(),
                        identity.orElse("-"),
                        reason.text());
            });
            socket.on("subscribe", (args, ack) -> {
                String channel = channelArg(args);
                if (channel == null) {
                    ack.reply(error("subscribe expects a channel name"));
                    return;
                }
                String refusal = refusal(socket, channel, true);
                if (refusal != null) {
                    ack.reply(error(refusal));
                    return;
                }
                if (identity.isEmpty() || !rules.find(channel).durable()) {
                    socket.join(ROOM_PREFIX + channel);
                    ack.reply(ok("channel", channel));
                    return;
                }
                reply(ack, durable.subscribe(identity.get(), channel).thenApply(v -> {
                    log.info("event=subscribe clientId={} channel={} durable=true", identity.get(), channel);
                    Map<String, Object> reply = ok("channel", channel);
                    reply.put("window", window); // how many deliveries it may leave unacknowledged
                    return reply;
                }));
            });
            socket.on("unsubscribe", (args, ack) -> {
                String channel = channelArg(args);
                if (channel == null) {
                    ack.reply(error("unsubscribe expects a channel name"));
                    return;
                }
                socket.leave(ROOM_PREFIX + channel);
                if (identity.isEmpty()) {
                    ack.reply(ok("channel", channel));
                    return;
                }
                reply(ack, durable.subscriptions(identity.get()).thenCompose(channels -> {
                    if (!channels.contains(channel)) {
                        return CompletableFuture.completedFuture(ok("channel", channel));
                    }
                    return durable.unsubscribe(identity.get(), channel).thenApply(v -> {
                        log.info("event=unsubscribe clientId={} channel={}", identity.get(), channel);
                        return ok("channel", channel);
                    });
                }));
            });
            socket.on("publish", (args, ack) -> {
                String channel = channelArg(args);
                if (channel == null || args.size() < 2 || !args.get(1).isTextual()) {
                    ack.reply(error("publish expects (channel, event, ...args)"));
                    return;
                }
                String refusal = refusal(socket, channel, false);
                if (refusal != null) {
                    ack.reply(error(refusal));
                    return;
                }
                Object[] payload = Arrays.copyOfRange(args.toArray(), 2, args.size());
                reply(ack, publish(channel, args.getString(1), payload).thenApply(p -> ok("id", p.id())));
            });
        });
    }

    private Jwt.Claims verify(Socket socket) throws Jwt.InvalidToken {
        return Jwt.verify(socket.handshake().auth("token").orElse(null), jwtSecret, clock, jwtRequireExp);
    }

    /**
     * With a JWT secret: when the socket's token expires (its {@code exp} plus the clock skew {@link Jwt} allows, the
     * moment it would be refused), the socket gets {@code courier:token-expired} and is disconnected ("io server
     * disconnect": the client does not reconnect by itself; it connects again with a new token).
     */
    private ScheduledFuture<?> endAtExpiry(Socket socket, String clientId) {
        if (jwtSecret == null) {
            return null;
        }
        Jwt.Claims claims;
        try {
            claims = verify(socket);
        } catch (Jwt.InvalidToken e) {
            claims = null; // expired between the middleware and now: end it at once
        }
        if (claims != null && claims.expires() == null) {
            return null;
        }
        long endMillis = claims == null ? 0 : (claims.expires() + Jwt.LEEWAY_SECONDS) * 1000 + 1;
        long delay = Math.max(0, endMillis - clock.millis());
        return Expiry.TIMER.schedule(
                () -> {
                    if (!socket.connected()) {
                        return;
                    }
                    log.info("event=token-expired socket={} clientId={}", socket.id(), clientId);
                    socket.emit("courier:token-expired", Map.of("reason", "token expired"));
                    socket.disconnect(false);
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    /** Why this socket may not subscribe to (or publish to) {@code channel}, or null. */
    private String refusal(Socket socket, String channel, boolean subscribe) {
        if (channel.startsWith("@")) {
            return "channels starting with @ are direct channels, not open to clients";
        }
        Jwt.Claims claims = null;
        if (jwtSecret != null) {
            try {
                claims = verify(socket);
            } catch (Jwt.InvalidToken e) {
                return e.getMessage();
            }
        }
        return subscribe ? rules.refuseSubscribe(channel, claims) : rules.refusePublish(channel, claims);
    }

    /**
     * Publishes to a channel that exists (no access check: the caller did it). A durable channel stores the message
     * first ({@link DurableQueues#publish}); then the connection-scoped subscribers get it too, with the same last
     * argument {@code {channel, id, seq}}.
     *
     * @throws UnknownChannelException (in the future) if no rule matches the channel
     */
    CompletableFuture<DurableQueues.Published> publish(String channel, String event, Object... args) {
        ChannelRules.Rule rule = rules.find(channel);
        if (rule == null) {
            return CompletableFuture.failedFuture(new UnknownChannelException(channel));
        }
        CompletableFuture<DurableQueues.Published> stored = rule.durable()
                ? io.durable().publish(channel, event, args)
                : CompletableFuture.completedFuture(new DurableQueues.Published("t-" + UUID.randomUUID(), channel, 0));
        return stored.thenApply(published -> {
            Object[] live = Arrays.copyOf(args, args.length + 1);
            live[args.length] = Map.of("channel", channel, "id", published.id(), "seq", published.seq());
            io.to(ROOM_PREFIX + channel).emit(event, live);
            return published;
        });
    }

    private static void reply(Ack ack, CompletableFuture<Map<String, Object>> result) {
        result.whenComplete((value, error) -> {
            if (error == null) {
                ack.reply(value);
                return;
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!(cause instanceof StoreException) && !(cause instanceof IllegalArgumentException)) {
                log.warn("hub request failed", cause);
            }
            ack.reply(error(cause.getMessage()));
        });
    }

    private static String channelArg(EventArgs args) {
        if (args.isEmpty() || !args.get(0).isTextual()) {
            return null;
        }
        String channel = args.getString(0);
        return channel.isEmpty() || channel.length() > 1024 ? null : channel;
    }

    private static Map<String, Object> ok(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", true);
        m.put(key, value);
        return m;
    }

    private static Map<String, Object> error(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", false);
        m.put("error", message);
        return m;
    }
}
