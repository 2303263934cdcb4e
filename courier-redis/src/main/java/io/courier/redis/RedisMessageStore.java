package io.courier.redis;

import io.courier.durable.ChannelStats;
import io.courier.durable.MessageStore;
import io.courier.durable.MessageStoreFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreException;
import io.courier.durable.StoreLimitException;
import io.courier.durable.StoreLimits;
import io.courier.durable.StoredMessage;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Durable queues in Redis, shared by every node of a cluster: one stream per channel (one XADD per publish, whatever
 * the number of subscribers), a cursor per (identity, channel) in a hash, all changed by Lua scripts so that each
 * operation is atomic and seqs stay dense. Every node reads and writes the same queues, so a client replays in order on
 * any node.
 *
 * <p>Keys, under a prefix {@code p} (default {@code courier}), with the channel's name in a hash tag: {@code
 * p:channels} (hash channel → newest seq), {@code p:ids} (the message id counter), {@code p:{channel}:log} (stream,
 * entry id {@code <seq>-0}, fields {@code p} payload, {@code t} time, {@code i} id), {@code p:{channel}:subs} (hash
 * identity → cursor), {@code p:{channel}:meta} (hash: {@code bytes} kept, {@code expired} the highest seq retention
 * removed), {@code p:client:{identity}} (set of its channels), {@code p:subscriptions} (their count).
 *
 * <p>Durability is Redis': an append completes when Redis has applied it, which is on disk only with {@code
 * appendonly yes} and {@code appendfsync always} (the configuration's fsync policy does not apply here). {@link
 * #maintain} removes what every subscriber acknowledged and what retention ends, oldest first, and records how far
 * retention went so that readers learn of the gap. One Lettuce connection carries every command, so the replies of
 * calls made one after the other complete in call order. Scripts reach keys they compute (a client's channels), so the
 * store needs one Redis server (or a primary with replicas), not a Redis Cluster of several shards.
 */
public final class RedisMessageStore implements MessageStore {
    static final int MAX_NAME_LENGTH = 1024;
    /** Entries a maintenance pass looks at per channel: the rest waits for the next pass. */
    private static final int MAINTAIN_BATCH = 10_000;

    private static final String APPEND = """
            local seq = redis.call('HGET', KEYS[1], ARGV[1])
            if not seq then
              local n = redis.call('HLEN', KEYS[1])
              if n >= tonumber(ARGV[4]) then
                return redis.error_reply('LIMIT the store holds ' .. n .. ' channels, the most it may (maxChannels)')
              end
              seq = 0
            end
            seq = tonumber(seq) + 1
            redis.call('HSET', KEYS[1], ARGV[1], seq)
            local id = redis.call('INCR', KEYS[4])
            redis.call('XADD', KEYS[2], seq .. '-0', 'p', ARGV[2], 't', ARGV[3], 'i', id)
            redis.call('HINCRBY', KEYS[3], 'bytes', string.len(ARGV[2]))
            redis.call('PUBLISH', ARGV[5],
              seq .. ' ' .. ARGV[3] .. ' ' .. id .. ' ' .. string.len(ARGV[1]) .. ' ' .. ARGV[1] .. ARGV[2])
            return {seq, id}
            """;
    private static final byte[] APPEND_BYTES = APPEND.getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** {expired, seq1, t1, id1, p1, seq2, ...}: the gap first, then up to max (minus the gap) messages. */
    private static final String READ = """
            local after = tonumber(ARGV[1])
            local max = tonumber(ARGV[2])
            local out = {}
            local expired = tonumber(redis.call('HGET', KEYS[2], 'expired') or '0')
            out[1] = 0
            if expired > after then
              out[1] = expired
              after = expired
              max = max - 1
            end
            if max <= 0 then return out end
            local entries = redis.call('XRANGE', KEYS[1], '(' .. after .. '-0', '+', 'COUNT', max)
            for _, e in ipairs(entries) do
              local f = e[2]
              local fields = {}
              for i = 1, #f, 2 do fields[f[i]] = f[i + 1] end
              table.insert(out, tonumber(string.match(e[1], '^(%d+)')))
              table.insert(out, tonumber(fields['t']))
              table.insert(out, fields['i'])
              table.insert(out, fields['p'])
            end
            return out
            """;

    private static final String SUBSCRIBE = """
            local existing = redis.call('HGET', KEYS[2], ARGV[1])
            if existing then return tonumber(existing) end
            local own = redis.call('SCARD', KEYS[3])
            if own >= tonumber(ARGV[3]) then
              return redis.error_reply('LIMIT ' .. ARGV[1] .. ' has ' .. own
                .. ' subscriptions, the most one client may have (maxSubscriptionsPerClient)')
            end
            local total = tonumber(redis.call('GET', KEYS[4]) or '0')
            if total >= tonumber(ARGV[4]) then
              return redis.error_reply('LIMIT the store holds ' .. total
                .. ' subscriptions, the most it may (maxSubscriptions)')
            end
            local seq = redis.call('HGET', KEYS[1], ARGV[2])
            if not seq then
              local n = redis.call('HLEN', KEYS[1])
              if n >= tonumber(ARGV[5]) then
                return redis.error_reply('LIMIT the store holds ' .. n .. ' channels, the most it may (maxChannels)')
              end
              redis.call('HSET', KEYS[1], ARGV[2], 0)
              seq = 0
            end
            redis.call('HSET', KEYS[2], ARGV[1], seq)
            redis.call('SADD', KEYS[3], ARGV[2])
            redis.call('INCR', KEYS[4])
            return tonumber(seq)
            """;

    private static final String UNSUBSCRIBE = """
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
              redis.call('SREM', KEYS[2], ARGV[2])
              redis.call('DECR', KEYS[3])
            end
            return 0
            """;

    private static final String COMMIT = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if cur and tonumber(cur) < tonumber(ARGV[2]) then
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            end
            return 0
            """;

    /** {channel1, cursor1, ...}: a client's channels, each with its cursor (computed keys: one Redis server). */
    private static final String SUBSCRIPTIONS = """
            local out = {}
            for _, channel in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local cur = redis.call('HGET', ARGV[1] .. ':{' .. channel .. '}:subs', ARGV[2])
              if cur then
                table.insert(out, channel)
                table.insert(out, tonumber(cur))
              end
            end
            return out
            """;

    /** {lastSeq, messages, bytes, firstSeq, oldestId, newestId, subscribers, expired}, or {} for no channel. */
    private static final String STATS = """
            local last = redis.call('HGET', KEYS[1], ARGV[1])
            if not last then return {} end
            local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
            local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
            local function field(e, name)
              if not e then return '' end
              for i = 1, #e[2], 2 do if e[2][i] == name then return e[2][i + 1] end end
              return ''
            end
            local firstSeq = 0
            if first then firstSeq = tonumber(string.match(first[1], '^(%d+)')) end
            return {tonumber(last), redis.call('XLEN', KEYS[2]),
              tonumber(redis.call('HGET', KEYS[3], 'bytes') or '0'), firstSeq, field(first, 'i'), field(newest, 'i'),
              redis.call('HLEN', KEYS[4]), tonumber(redis.call('HGET', KEYS[3], 'expired') or '0')}
            """;

    /**
     * Removes, oldest first, what every subscriber acknowledged (all of it when there is none) and what is older
     * than ARGV[2] ms or beyond ARGV[3] bytes (recording the highest such seq as expired); at most ARGV[4] entries.
     */
    private static final String MAINTAIN = """
            local acked = nil
            for _, cur in ipairs(redis.call('HVALS', KEYS[3])) do
              local c = tonumber(cur)
              if acked == nil or c < acked then acked = c end
            end
            local oldest = tonumber(ARGV[1]) - tonumber(ARGV[2])
            local maxBytes = tonumber(ARGV[3])
            local bytes = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0')
            local expired = tonumber(redis.call('HGET', KEYS[2], 'expired') or '0')
            local removeThrough = nil
            for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[4]))) do
              local seq = tonumber(string.match(e[1], '^(%d+)'))
              local t, size = 0, 0
              for i = 1, #e[2], 2 do
                if e[2][i] == 't' then t = tonumber(e[2][i + 1]) end
                if e[2][i] == 'p' then size = string.len(e[2][i + 1]) end
              end
              if acked == nil or seq <= acked then
                removeThrough = seq
              elseif t < oldest or bytes > maxBytes then
                removeThrough = seq
                expired = seq
              else
                break
              end
              bytes = bytes - size
            end
            if removeThrough then
              redis.call('XTRIM', KEYS[1], 'MINID', (removeThrough + 1) .. '-0')
              redis.call('HSET', KEYS[2], 'bytes', bytes, 'expired', expired)
            end
            return 0
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisAsyncCommands<byte[], byte[]> redis;
    private final String prefix;
    private final Function<String, Retention> retention;
    private final StoreLimits limits;
    private final Map<String, String> shas = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile List<ChannelStats> snapshot = List.of();
    private volatile boolean closed;
    /** Reads the notices of appends, once {@link #feedAppends} asked for them. */
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> notices;

    private RedisMessageStore(RedisURI uri, String prefix, Function<String, Retention> retention, StoreLimits limits) {
        this.prefix = prefix;
        this.retention = retention;
        this.limits = limits;
        this.client = RedisClients.create(uri);
        this.connection = RedisClients.connect(client, c -> c.connect(ByteArrayCodec.INSTANCE));
        this.redis = connection.async();
    }

    /**
     * The durable queues of a cluster, in the Redis at {@code redisUri}, under keys starting with {@code prefix}; give
     * it to {@code durableQueues(d -> d.store(...))} on every node.
     */
    public static MessageStoreFactory factory(String redisUri, String prefix) {
        RedisURI uri = RedisURI.create(Objects.requireNonNull(redisUri, "redisUri"));
        Objects.requireNonNull(prefix, "prefix");
        return settings -> new RedisMessageStore(uri, prefix, settings.retention(), settings.limits());
    }

    // ---- MessageStore

    @Override
    public CompletableFuture<StoredMessage> append(String channel, byte[] payload) {
        checkName("channel", channel);
        long now = System.currentTimeMillis();
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("message store is closed"));
        }
        // EVAL, never EVALSHA: after a NOSCRIPT (a restarted Redis, SCRIPT FLUSH) an append's fallback to EVAL would
        // reach Redis after later appends that found the script loaded meanwhile, and those would take the lower seqs.
        // Sent in order on the one connection, EVALs are run in order (Redis caches the compiled script anyway).
        return io(
                        "publish to " + channel,
                        redis.<Object>eval(
                                APPEND_BYTES,
                                ScriptOutputType.MULTI,
                                keys(prefix + ":channels", log(channel), meta(channel), prefix + ":ids"),
                                args(channel, payload, now, limits.maxChannels(), appendedChannel())))
                .thenApply(reply -> {
                    List<?> r = (List<?>) reply;
                    return new StoredMessage(String.valueOf(r.get(1)), channel, (Long) r.get(0), now, payload);
                });
    }

    @Override
    public CompletableFuture<List<StoredMessage>> readAfter(String channel, long afterSeq, int max) {
        return script("read " + channel, READ, keys(log(channel), meta(channel)), args(afterSeq, max))
                .thenApply(reply -> {
                    List<?> r = (List<?>) reply;
                    List<StoredMessage> out = new ArrayList<>();
                    long expired = (Long) r.get(0);
                    if (expired > 0) {
                        out.add(new StoredMessage(null, channel, expired, 0, null));
                    }
                    for (int i = 1; i + 3 < r.size(); i += 4) {
                        out.add(new StoredMessage(
                                text(r.get(i + 2)), channel, (Long) r.get(i), (Long) r.get(i + 1), (byte[])
                                        r.get(i + 3)));
                    }
                    return out;
                });
    }

    @Override
    public CompletableFuture<Long> lastSeq(String channel) {
        return io("read " + channel, redis.hget(bytes(prefix + ":channels"), bytes(channel)))
                .thenApply(v -> v == null ? 0L : Long.parseLong(text(v)));
    }

    @Override
    public CompletableFuture<Optional<ChannelStats>> stats(String channel) {
        return script(
                        "read " + channel,
                        STATS,
                        keys(prefix + ":channels", log(channel), meta(channel), subs(channel)),
                        args(channel))
                .thenApply(reply -> {
                    List<?> r = (List<?>) reply;
                    if (r.isEmpty()) {
                        return Optional.empty();
                    }
                    String oldest = text(r.get(4));
                    String newest = text(r.get(5));
                    return Optional.of(new ChannelStats(
                            channel,
                            (Long) r.get(1),
                            (Long) r.get(2),
                            (Long) r.get(3),
                            (Long) r.get(0),
                            oldest.isEmpty() ? null : oldest,
                            newest.isEmpty() ? null : newest,
                            ((Long) r.get(6)).intValue(),
                            (Long) r.get(7)));
                });
    }

    @Override
    public List<ChannelStats> channels() {
        return snapshot;
    }

    @Override
    public CompletableFuture<Long> subscribe(String clientId, String channel) {
        checkName("clientId", clientId);
        checkName("channel", channel);
        return number(
                "subscribe " + clientId + " to " + channel,
                SUBSCRIBE,
                keys(prefix + ":channels", subs(channel), client(clientId), prefix + ":subscriptions"),
                args(
                        clientId,
                        channel,
                        limits.maxSubscriptionsPerClient(),
                        limits.maxSubscriptions(),
                        limits.maxChannels()));
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String clientId, String channel) {
        return number(
                        "unsubscribe " + clientId + " from " + channel,
                        UNSUBSCRIBE,
                        keys(subs(channel), client(clientId), prefix + ":subscriptions"),
                        args(clientId, channel))
                .thenApply(reply -> null);
    }

    @Override
    public CompletableFuture<Map<String, Long>> subscriptions(String clientId) {
        return script(
                        "read the subscriptions of " + clientId,
                        SUBSCRIPTIONS,
                        keys(client(clientId)),
                        args(prefix, clientId))
                .thenApply(reply -> {
                    List<?> r = (List<?>) reply;
                    Map<String, Long> out = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < r.size(); i += 2) {
                        out.put(text(r.get(i)), (Long) r.get(i + 1));
                    }
                    return out;
                });
    }

    @Override
    public CompletableFuture<Set<String>> subscribers(String channel) {
        return io("read " + channel, redis.hkeys(bytes(subs(channel)))).thenApply(ids -> {
            Set<String> out = new LinkedHashSet<>();
            ids.forEach(id -> out.add(text(id)));
            return out;
        });
    }

    @Override
    public CompletableFuture<Void> commit(String clientId, String channel, long seq) {
        return number("commit " + clientId + " on " + channel, COMMIT, keys(subs(channel)), args(clientId, seq))
                .thenApply(reply -> null);
    }

    @Override
    public void maintain(long nowMillis) {
        if (closed) {
            return;
        }
        try {
            List<String> names = new ArrayList<>();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                var page = redis.hscan(bytes(prefix + ":channels"), cursor, ScanArgs.Builder.limit(1000))
                        .get();
                page.getMap().keySet().forEach(k -> names.add(text(k)));
                cursor = page;
            } while (!cursor.isFinished());
            List<ChannelStats> stats = new ArrayList<>(names.size());
            for (String channel : names) {
                Retention r = retention.apply(channel);
                number(
                                "maintain " + channel,
                                MAINTAIN,
                                keys(log(channel), meta(channel), subs(channel)),
                                args(nowMillis, r.maxAge().toMillis(), r.maxBytes(), MAINTAIN_BATCH))
                        .join();
                stats(channel).join().ifPresent(stats::add);
            }
            snapshot = List.copyOf(stats);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new StoreException("maintenance of the durable queues in Redis failed: " + e.getMessage(), e);
        }
    }

    /**
     * Every append publishes a notice on {@code <prefix>:appended} in the same script, so notices reach every node in
     * seq order per channel ({@code <seq> <time> <id> <channel length> <channel><payload>}). After a lost connection
     * Lettuce subscribes again, and the listener hears that it may have missed some.
     */
    @Override
    public boolean feedAppends(MessageStore.AppendListener listener) {
        StatefulRedisPubSubConnection<byte[], byte[]> sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        sub.addListener(new RedisPubSubAdapter<>() {
            private boolean subscribedBefore;

            @Override
            public void message(byte[] channel, byte[] message) {
                StoredMessage m = notice(message);
                if (m != null) {
                    listener.appended(m);
                }
            }

            @Override
            public void subscribed(byte[] channel, long count) {
                if (subscribedBefore) {
                    listener.missedSome();
                }
                subscribedBefore = true;
            }
        });
        sub.sync().subscribe(bytes(appendedChannel()));
        notices = sub;
        return true;
    }

    private String appendedChannel() {
        return prefix + ":appended";
    }

    /** A notice as a stored message, or null if it is not one (a foreign publisher's: ignored). */
    static StoredMessage notice(byte[] m) {
        try {
            int[] at = {0};
            long seq = Long.parseLong(token(m, at));
            long time = Long.parseLong(token(m, at));
            String id = token(m, at);
            int length = Integer.parseInt(token(m, at));
            String channel = new String(m, at[0], length, StandardCharsets.UTF_8);
            byte[] payload = java.util.Arrays.copyOfRange(m, at[0] + length, m.length);
            return new StoredMessage(id, channel, seq, time, payload);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String token(byte[] m, int[] at) {
        int start = at[0];
        int end = start;
        while (m[end] != ' ') {
            end++;
        }
        at[0] = end + 1;
        return new String(m, start, end - start, StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        closed = true;
        if (notices != null) {
            notices.close();
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    // ---- helpers

    private String log(String channel) {
        return prefix + ":{" + channel + "}:log";
    }

    private String meta(String channel) {
        return prefix + ":{" + channel + "}:meta";
    }

    private String subs(String channel) {
        return prefix + ":{" + channel + "}:subs";
    }

    private String client(String clientId) {
        return prefix + ":client:{" + clientId + "}";
    }

    /** Runs a script by its SHA1, loading it once (again after a Redis restart forgot it). */
    private CompletableFuture<Object> script(String what, String body, byte[][] keys, byte[][] args) {
        return script(what, body, ScriptOutputType.MULTI, keys, args);
    }

    private CompletableFuture<Long> number(String what, String body, byte[][] keys, byte[][] args) {
        return script(what, body, ScriptOutputType.INTEGER, keys, args).thenApply(reply -> (Long) reply);
    }

    private CompletableFuture<Object> script(
            String what, String body, ScriptOutputType type, byte[][] keys, byte[][] args) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("message store is closed"));
        }
        String sha = shas.computeIfAbsent(body, RedisMessageStore::sha1);
        CompletableFuture<Object> first =
                redis.<Object>evalsha(sha, type, keys, args).toCompletableFuture();
        return first.exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    return cause instanceof RedisNoScriptException
                            ? redis.<Object>eval(bytes(body), type, keys, args).toCompletableFuture()
                            : CompletableFuture.failedFuture(cause);
                })
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(failure(what, e)));
    }

    private <T> CompletableFuture<T> io(String what, io.lettuce.core.RedisFuture<T> future) {
        if (closed) {
            return CompletableFuture.failedFuture(new StoreException("message store is closed"));
        }
        return future.toCompletableFuture().exceptionallyCompose(e -> CompletableFuture.failedFuture(failure(what, e)));
    }

    private static StoreException failure(String what, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof StoreException s) {
            return s;
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof RedisCommandExecutionException && message.startsWith("LIMIT ")) {
            return new StoreLimitException(message.substring("LIMIT ".length()));
        }
        return new StoreException("cannot " + what + " in Redis: " + message, cause);
    }

    private static void checkName(String what, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    what + " : " + (name == null ? null : "\"" + name.substring(0, Math.min(name.length(), 40)) + "\"")
                            + " (expected: 1-" + MAX_NAME_LENGTH + " characters)");
        }
    }

    private static byte[][] keys(String... names) {
        byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            out[i] = bytes(names[i]);
        }
        return out;
    }

    private static byte[][] args(Object... values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] instanceof byte[] b ? b : bytes(String.valueOf(values[i]));
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object v) {
        return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v);
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-1")
                            .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
