package io.courier.standalone;

import io.courier.Courier;
import io.courier.DurableQueues;
import io.courier.EventArgs;
import io.courier.Socket;
import io.courier.durable.StoreException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's client protocol on namespace {@code /} (README, "Durable queues"): {@code subscribe(channel)},
 * {@code unsubscribe(channel)} and {@code publish(channel, event, ...args)}, each answered through the client's ack
 * callback with {@code {ok: true, ...}} or {@code {ok: false, error}}.
 *
 * <p>A socket with a durable identity subscribes durably (the subscription outlives the connection); an anonymous
 * socket subscribes for as long as it is connected (a room named after the channel) and receives only what is
 * published while it is connected, with the same last argument {@code {channel, id, seq}}.
 */
public final class HubProtocol {
    private static final Logger log = LoggerFactory.getLogger(HubProtocol.class);
    private static final String ROOM_PREFIX = "channel:";

    private HubProtocol() {}

    public static void install(Courier io) {
        DurableQueues durable = io.durable();
        io.onConnection(socket -> {
            Optional<String> identity = durable.identity(socket);
            socket.on("subscribe", (args, ack) -> {
                String channel = channelArg(args);
                if (channel == null) {
                    ack.reply(error("subscribe expects a channel name"));
                    return;
                }
                if (identity.isEmpty()) {
                    socket.join(ROOM_PREFIX + channel);
                    ack.reply(ok("channel", channel));
                    return;
                }
                reply(ack, durable.subscribe(identity.get(), channel).thenApply(v -> ok("channel", channel)));
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
                reply(ack, durable.unsubscribe(identity.get(), channel).thenApply(v -> ok("channel", channel)));
            });
            socket.on("publish", (args, ack) -> publish(io, durable, socket, args, ack));
        });
    }

    private static void publish(Courier io, DurableQueues durable, Socket socket, EventArgs args, io.courier.Ack ack) {
        String channel = channelArg(args);
        if (channel == null || args.size() < 2 || !args.get(1).isTextual()) {
            ack.reply(error("publish expects (channel, event, ...args)"));
            return;
        }
        String event = args.getString(1);
        Object[] payload = Arrays.copyOfRange(args.toArray(), 2, args.size());
        reply(ack, publish(io, channel, event, payload).thenApply(published -> ok("id", published.id())));
    }

    /**
     * Publishes durably (see {@link DurableQueues#publish}) and, once stored, also to the anonymous subscribers of
     * the channel, with the same last argument {@code {channel, id, seq}}.
     */
    static CompletableFuture<DurableQueues.Published> publish(
            Courier io, String channel, String event, Object... args) {
        return io.durable().publish(channel, event, args).thenApply(published -> {
            Object[] live = Arrays.copyOf(args, args.length + 1);
            live[args.length] = Map.of("channel", channel, "id", published.id(), "seq", published.seq());
            io.to(ROOM_PREFIX + channel).emit(event, live);
            return published;
        });
    }

    private static void reply(io.courier.Ack ack, java.util.concurrent.CompletableFuture<Map<String, Object>> result) {
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
