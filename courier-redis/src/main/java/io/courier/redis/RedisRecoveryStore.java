package io.courier.redis;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.msgpack.MsgPack;
import io.courier.recovery.LoggedPacket;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.RecoveryStoreFactory;
import io.courier.recovery.SavedSession;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Connection state recovery shared by the nodes of a cluster: one packet log (a Redis stream, capped at {@code
 * maxPackets}) and the saved sessions (one key each, expiring after {@code maxDisconnectionDuration}), so a stock
 * client that comes back to any node recovers its id, rooms, data and what it missed, whichever node sent it.
 *
 * <p>An offset is the packet's stream entry id: Redis hands them out in the order of the appends, which one connection
 * sends in call order, so the store keeps the {@link RecoveryStore} ordering contract. Packets are stored as msgpack
 * (binary arguments stay binary); sessions as JSON. Keys: {@code <prefix>:log} and {@code <prefix>:session:<pid>}.
 * What Node.js socket.io servers broadcast into a mixed cluster is not in this log.
 */
public final class RedisRecoveryStore implements RecoveryStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    /** {session or false, whether the offset is still in the log, entries after it...} in one step. */
    private static final String RESTORE = """
            local session = redis.call('GET', KEYS[1])
            if not session then return {} end
            if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then return {} end
            if ARGV[2] == '0' then return {session} end
            local out = {session}
            for _, e in ipairs(redis.call('XRANGE', KEYS[2], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])) do
              table.insert(out, e[1])
              for i = 1, #e[2], 2 do
                if e[2][i] == 'p' then table.insert(out, e[2][i + 1]) end
              end
            end
            return out
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisAsyncCommands<byte[], byte[]> redis;
    private final String prefix;
    private final Duration maxDisconnectionDuration;
    private final int maxPackets;
    private final Clock clock;

    private RedisRecoveryStore(RedisURI uri, String prefix, RecoveryStoreFactory.Settings settings) {
        this.prefix = prefix;
        this.maxDisconnectionDuration = settings.maxDisconnectionDuration();
        this.maxPackets = settings.maxPackets();
        this.clock = settings.clock();
        this.client = RedisClients.create(uri);
        this.connection = RedisClients.connect(client, c -> c.connect(ByteArrayCodec.INSTANCE));
        this.redis = connection.async();
    }

    /**
     * Recovery state of a cluster in the Redis at {@code redisUri}, under keys starting with {@code prefix}; give it to
     * {@code connectionStateRecovery(r -> r.store(...))} on every node.
     */
    public static RecoveryStoreFactory factory(String redisUri, String prefix) {
        RedisURI uri = RedisURI.create(Objects.requireNonNull(redisUri, "redisUri"));
        Objects.requireNonNull(prefix, "prefix");
        return settings -> new RedisRecoveryStore(uri, prefix, settings);
    }

    @Override
    public CompletionStage<LoggedPacket> append(
            String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
        ObjectNode entry = AbstractRedisAdapter.NODES.objectNode();
        entry.put("n", namespace);
        entry.set("r", AbstractRedisAdapter.strings(rooms));
        entry.set("e", AbstractRedisAdapter.strings(except));
        entry.set("d", data);
        long now = clock.millis();
        entry.put("t", now);
        return redis.xadd(
                        bytes(log()),
                        XAddArgs.Builder.maxlen(maxPackets).approximateTrimming(),
                        Map.of(bytes("p"), MsgPack.encode(entry)))
                .thenApply(offset -> {
                    ArrayNode withOffset = data.deepCopy();
                    withOffset.add(offset);
                    return new LoggedPacket(offset, namespace, Set.copyOf(rooms), Set.copyOf(except), withOffset, now);
                });
    }

    @Override
    public CompletionStage<Void> save(SavedSession session) {
        return redis.set(
                        bytes(sessionKey(session.pid())),
                        json(session),
                        SetArgs.Builder.px(maxDisconnectionDuration.toMillis()))
                .thenApply(ok -> null);
    }

    @Override
    public CompletionStage<Optional<Restored>> restore(String pid, String offset) {
        return find(pid, offset, maxPackets)
                .thenApply(found -> found.map(r -> {
                    List<LoggedPacket> missed = new ArrayList<>();
                    for (LoggedPacket p : r.missed()) {
                        if (p.namespace().equals(r.session().namespace())
                                && p.reaches(r.session().rooms())) {
                            missed.add(p);
                        }
                    }
                    return new Restored(r.session(), missed);
                }));
    }

    @Override
    public CompletionStage<Optional<SavedSession>> restorable(String pid, String offset) {
        return find(pid, offset, 0).thenApply(found -> found.map(Restored::session));
    }

    /** Sessions expire by their key's time to live, the log by its length: nothing to do. */
    @Override
    public CompletionStage<Void> expire() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<SavedSession>> session(String pid) {
        return redis.get(bytes(sessionKey(pid)))
                .thenApply(v -> v == null ? Optional.<SavedSession>empty() : Optional.of(session(v)));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /** The session and the packets after {@code offset} (up to {@code max}), if the session and the offset exist. */
    private CompletionStage<Optional<Restored>> find(String pid, String offset, int max) {
        if (offset == null || !offset.matches("\\d+-\\d+")) {
            return CompletableFuture.completedFuture(Optional.empty()); // not one of ours
        }
        byte[][] keys = {bytes(sessionKey(pid)), bytes(log())};
        byte[][] args = {bytes(offset), bytes(String.valueOf(max))};
        return redis.<List<Object>>eval(bytes(RESTORE), ScriptOutputType.MULTI, keys, args)
                .thenApply(reply -> {
                    if (reply.isEmpty()) {
                        return Optional.<Restored>empty();
                    }
                    SavedSession session = session((byte[]) reply.get(0));
                    List<LoggedPacket> packets = new ArrayList<>();
                    for (int i = 1; i + 1 < reply.size(); i += 2) {
                        packets.add(packet(
                                new String((byte[]) reply.get(i), StandardCharsets.UTF_8), (byte[]) reply.get(i + 1)));
                    }
                    return Optional.of(new Restored(session, packets));
                });
    }

    private static LoggedPacket packet(String offset, byte[] stored) {
        JsonNode e = MsgPack.decode(stored);
        ArrayNode data = ((ArrayNode) e.get("d")).deepCopy();
        data.add(offset);
        return new LoggedPacket(
                offset,
                e.path("n").asText(),
                strings(e.path("r")),
                strings(e.path("e")),
                data,
                e.path("t").asLong());
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static byte[] json(SavedSession s) {
        ObjectNode n = AbstractRedisAdapter.NODES.objectNode();
        n.put("socketId", s.socketId());
        n.put("pid", s.pid());
        n.put("namespace", s.namespace());
        n.set("rooms", AbstractRedisAdapter.strings(s.rooms()));
        n.set("data", JSON.valueToTree(s.data()));
        n.put("disconnectedAt", s.disconnectedAt());
        return AbstractRedisAdapter.json(n);
    }

    private static SavedSession session(byte[] stored) {
        try {
            JsonNode n = JSON.readTree(stored);
            Map<String, Object> data = JSON.convertValue(n.path("data"), MAP);
            return new SavedSession(
                    n.path("socketId").asText(),
                    n.path("pid").asText(),
                    n.path("namespace").asText(),
                    strings(n.path("rooms")),
                    data == null ? Map.of() : data,
                    n.path("disconnectedAt").asLong());
        } catch (IOException e) {
            throw new MalformedMessageException("a saved session that is not JSON", e);
        }
    }

    private String log() {
        return prefix + ":log";
    }

    private String sessionKey(String pid) {
        return prefix + ":session:" + pid;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
