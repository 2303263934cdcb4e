package io.courier.redis;

import io.courier.adapter.Adapter;
import io.courier.adapter.AdapterFactory;
import io.courier.adapter.MemberDirectory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of a cluster over Redis: give it to {@code CourierConfig.builder().adapter(cluster)} and every
 * namespace gets an adapter. Nodes that use the same Redis, {@link Builder#key key} and protocol act as one server, and
 * so do Node.js socket.io servers using {@code @socket.io/redis-adapter} with that key: classic pub/sub ({@link
 * RedisAdapter}, socket.io's {@code createAdapter}, the default) or, with {@link Builder#sharded}, Redis 7's sharded
 * pub/sub ({@link ShardedRedisAdapter}, socket.io's {@code createShardedAdapter}).
 *
 * <p>Two connections per node, whatever the number of namespaces: one publishes (in order: what one node broadcasts
 * reaches its peers in the order it was sent), one is subscribed. Lettuce reconnects both and subscribes again after a
 * Redis restart; what was published while a node was cut off is lost for that node (Redis pub/sub keeps nothing).
 */
public final class RedisCluster implements AdapterFactory, MeterBinder, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);
    private static final char[] UID_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** How long {@link #close()} waits for Redis to confirm that this node no longer reads the cluster's channels. */
    private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(2);

    private static final String COUNTED_PUBLISH =
            "local n = redis.call('PUBSUB', 'NUMSUB', ARGV[1])[2] redis.call('PUBLISH', ARGV[1], ARGV[2]) return n";
    private static final String COUNTED_SHARD_PUBLISH = "local n = redis.call('PUBSUB', 'SHARDNUMSUB', ARGV[1])[2]"
            + " redis.call('SPUBLISH', ARGV[1], ARGV[2]) return n";
    private final String key;
    private final Duration requestsTimeout;
    private final boolean publishOnSpecificResponseChannel;
    private final SubscriptionMode sharded;
    private final String uid;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> pub;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final ScheduledExecutorService timer;
    /** Subscribed channel or pattern → the adapter that reads it. */
    private final Map<String, AbstractRedisAdapter> byChannel = new ConcurrentHashMap<>();

    private volatile boolean closed;

    private final AtomicLong dropped = new AtomicLong();
    private volatile long lastDropLog = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;
    private final AtomicLong failedPublishes = new AtomicLong();
    private volatile long lastFailureLog = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;

    private RedisCluster(Builder b) {
        this.key = b.key;
        this.requestsTimeout = b.requestsTimeout;
        this.publishOnSpecificResponseChannel = b.publishOnSpecificResponseChannel;
        this.sharded = b.sharded;
        this.uid = randomUid();
        // bounded (RedisClients): a publish that fails is counted and logged, the peers miss that broadcast
        this.client = RedisClients.create(b.uri);
        this.pub = RedisClients.connect(client, c -> c.connect(ByteArrayCodec.INSTANCE));
        try {
            this.sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            pub.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw e;
        }
        sub.addListener(new Dispatcher());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "courier-redis-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Options, then {@link Builder#connect()}. */
    public static Builder builder(String redisUri) {
        return new Builder(redisUri);
    }

    /** Connects with the defaults: key {@code socket.io}, requests time out after 5 s. */
    public static RedisCluster connect(String redisUri) {
        return builder(redisUri).connect();
    }

    @Override
    public Adapter create(MemberDirectory namespace) {
        if (sharded != null) {
            ShardedRedisAdapter adapter = new ShardedRedisAdapter(this, namespace, sharded);
            adapter.subscribedWhen(CompletableFuture.allOf(adapter.channels().stream()
                    .map(channel -> shardSubscribe(adapter, channel))
                    .toArray(CompletableFuture[]::new)));
            return adapter;
        }
        RedisAdapter adapter = new RedisAdapter(this, namespace);
        for (String channel : adapter.channels()) {
            byChannel.put(channel, adapter);
        }
        byChannel.put(adapter.broadcastPattern(), adapter);
        sub.async().psubscribe(bytes(adapter.broadcastPattern()));
        adapter.subscribedWhen(
                sub.async().subscribe(allBytes(adapter.channels())).toCompletableFuture());
        return adapter;
    }

    /** Reads a shard channel (SSUBSCRIBE) for {@code adapter}; completes once Redis confirmed it. */
    CompletableFuture<Void> shardSubscribe(AbstractRedisAdapter adapter, String channel) {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        byChannel.put(channel, adapter);
        return sub.async().ssubscribe(bytes(channel)).toCompletableFuture();
    }

    /** Stops reading a shard channel (SUNSUBSCRIBE). */
    void shardUnsubscribe(String channel) {
        if (closed) {
            return;
        }
        byChannel.remove(channel);
        sub.async().sunsubscribe(bytes(channel));
    }

    /** This node's id on the channels (6 characters, as {@code @socket.io/redis-adapter} makes them). */
    public String uid() {
        return uid;
    }

    String key() {
        return key;
    }

    Duration requestsTimeout() {
        return requestsTimeout;
    }

    boolean publishOnSpecificResponseChannel() {
        return publishOnSpecificResponseChannel;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /** Commands on the publishing connection (never blocking: Lettuce's async API). */
    io.lettuce.core.api.async.RedisAsyncCommands<byte[], byte[]> commands() {
        return pub.async();
    }

    void publish(String channel, byte[] message) {
        if (!closed) {
            pub.async().publish(bytes(channel), message).whenComplete((receivers, error) -> published(channel, error));
        }
    }

    void shardPublish(String channel, byte[] message) {
        if (!closed) {
            pub.async().spublish(bytes(channel), message).whenComplete((receivers, error) -> published(channel, error));
        }
    }

    /**
     * Publishes a request and completes with the number of the channel's subscribers that got it (patterns not
     * counted): the two in one script, so that no node joining or leaving in between is counted wrong.
     */
    CompletableFuture<Integer> publishCounted(String channel, byte[] message) {
        return counted(COUNTED_PUBLISH, channel, message);
    }

    /** {@link #publishCounted} on a shard channel (SPUBLISH, PUBSUB SHARDNUMSUB). */
    CompletableFuture<Integer> shardPublishCounted(String channel, byte[] message) {
        return counted(COUNTED_SHARD_PUBLISH, channel, message);
    }

    private CompletableFuture<Integer> counted(String script, String channel, byte[] message) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("this node left the cluster"));
        }
        return pub.async()
                .<Long>eval(script, ScriptOutputType.INTEGER, new byte[0][], bytes(channel), message)
                .thenApply(Long::intValue)
                .whenComplete((receivers, error) -> published(channel, error))
                .toCompletableFuture();
    }

    private void published(String channel, Throwable error) {
        if (error == null) {
            return;
        }
        long n = failedPublishes.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastFailureLog >= DROP_LOG_INTERVAL_NANOS) {
            lastFailureLog = now;
            log.warn(
                    "could not publish to {}: {} ({} failed so far; the other nodes miss what is not published)",
                    channel,
                    error.getMessage(),
                    n);
        }
    }

    /** Publishes that failed (Redis unreachable for longer than the command timeout, or the queue full). */
    public long failedPublishes() {
        return failedPublishes.get();
    }

    /** How many subscribers the shard channel has (PUBSUB SHARDNUMSUB). */
    CompletableFuture<Integer> shardSubscribers(String channel) {
        return pub.async()
                .pubsubShardNumsub(bytes(channel))
                .thenApply(counts ->
                        counts.values().stream().mapToInt(Long::intValue).sum())
                .toCompletableFuture();
    }

    /** How many subscribers {@code channel} has (PUBSUB NUMSUB): the nodes of the cluster for a request channel. */
    CompletableFuture<Integer> subscribers(String channel) {
        return pub.async()
                .pubsubNumsub(bytes(channel))
                .thenApply(counts ->
                        counts.values().stream().mapToInt(Long::intValue).sum())
                .toCompletableFuture();
    }

    /**
     * Stops reading every channel of {@code adapter} (its namespace is gone or the server is closing). The adapter
     * keeps getting what Redis sent before it took the unsubscription in, so that a request counted as delivered here
     * is answered; the returned future completes once Redis confirmed.
     */
    CompletableFuture<Void> unsubscribe(AbstractRedisAdapter adapter) {
        List<String> channels = new ArrayList<>();
        byChannel.forEach((channel, a) -> {
            if (a == adapter) {
                channels.add(channel);
            }
        });
        if (closed || channels.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done;
        if (adapter instanceof RedisAdapter classic) {
            done = CompletableFuture.allOf(
                    sub.async().punsubscribe(bytes(classic.broadcastPattern())).toCompletableFuture(),
                    sub.async().unsubscribe(allBytes(classic.channels())).toCompletableFuture());
        } else {
            done = sub.async().sunsubscribe(allBytes(channels)).toCompletableFuture();
        }
        return done.handle((ok, error) -> {
            channels.forEach(channel -> byChannel.remove(channel, adapter));
            return null;
        });
    }

    /**
     * A message that broke the protocol was dropped: logged in one line, then at most once a minute with a count, so
     * a foreign publisher flooding the channel cannot flood the log.
     */
    void dropped(String channel, RuntimeException why) {
        long n = dropped.incrementAndGet();
        long now = System.nanoTime();
        long last = lastDropLog;
        if (now - last >= DROP_LOG_INTERVAL_NANOS) {
            lastDropLog = now;
            log.warn("dropped a malformed message on {}: {} ({} dropped so far)", channel, why.getMessage(), n);
        }
    }

    /** Whether both connections to Redis are up (Lettuce reconnects them on its own while they are not). */
    public boolean connected() {
        return pub.isOpen() && sub.isOpen();
    }

    /**
     * Cluster health: {@code courier.cluster.redis.connected} (1 or 0), and the counts of malformed messages dropped
     * ({@code courier.cluster.messages.dropped}) and of failed publishes ({@code courier.cluster.publishes.failed}).
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("courier.cluster.redis.connected", this, c -> c.connected() ? 1 : 0)
                .description("1 while this node's connections to Redis are up")
                .register(registry);
        FunctionCounter.builder("courier.cluster.messages.dropped", dropped, AtomicLong::get)
                .description("messages on the cluster's channels dropped because they broke the protocol")
                .register(registry);
        FunctionCounter.builder("courier.cluster.publishes.failed", failedPublishes, AtomicLong::get)
                .description("publishes to the cluster that Redis did not take (the other nodes missed them)")
                .register(registry);
    }

    /** Malformed messages dropped since the start. */
    public long droppedMessages() {
        return dropped.get();
    }

    /**
     * Leaves the cluster: stops reading its channels, waiting (up to {@link #LEAVE_TIMEOUT} in all) until Redis
     * confirmed, so that the requests the peers counted as delivered here are answered, and until Redis took what
     * this node published before (those answers, its last broadcasts); then closes the connections. Adapters closed
     * after this (a {@code Courier} closed after its cluster) have nothing left to do.
     */
    @Override
    public void close() {
        List<CompletableFuture<Void>> leaving = new ArrayList<>();
        new HashSet<>(byChannel.values()).forEach(adapter -> leaving.add(unsubscribe(adapter)));
        try {
            // what came before a confirmation was answered on the reading thread before it, so the answers are on the
            // publishing connection ahead of this PING: its reply means Redis took them, and closing cancels none
            // (closed at once, an answer still in the connection's queue failed with "Connection closed" and its
            // peer's request waited for its timeout: NodeLeavingTest, once in a few runs on a loaded machine)
            CompletableFuture.allOf(leaving.toArray(CompletableFuture[]::new))
                    .handle((ok, error) -> null)
                    .thenCompose(ignored -> pub.async().ping())
                    .get(LEAVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug(
                    "left the cluster without Redis confirming the unsubscriptions and the answers: {}", e.toString());
        }
        closed = true;
        timer.shutdownNow();
        sub.close();
        pub.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] allBytes(List<String> channels) {
        return channels.stream().map(RedisCluster::bytes).toArray(byte[][]::new);
    }

    private static String randomUid() {
        SecureRandom random = new SecureRandom();
        char[] out = new char[6];
        for (int i = 0; i < out.length; i++) {
            out[i] = UID_CHARS[random.nextInt(UID_CHARS.length)];
        }
        return new String(out);
    }

    /** Hands each message to the adapter of its channel, on Lettuce's thread (adapters never block). */
    private final class Dispatcher implements RedisPubSubListener<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            dispatch(channel, channel, message);
        }

        @Override
        public void message(byte[] pattern, byte[] channel, byte[] message) {
            dispatch(pattern, channel, message);
        }

        @Override
        public void smessage(byte[] channel, byte[] message) {
            dispatch(channel, channel, message);
        }

        private void dispatch(byte[] subscription, byte[] channel, byte[] message) {
            AbstractRedisAdapter adapter = byChannel.get(new String(subscription, StandardCharsets.UTF_8));
            if (adapter != null) {
                adapter.onMessage(new String(channel, StandardCharsets.UTF_8), message);
            }
        }

        @Override
        public void subscribed(byte[] channel, long count) {}

        @Override
        public void psubscribed(byte[] pattern, long count) {}

        @Override
        public void unsubscribed(byte[] channel, long count) {}

        @Override
        public void punsubscribed(byte[] pattern, long count) {}
    }

    /** How the sharded protocol spreads broadcasts to one room over channels (socket.io's {@code subscriptionMode}). */
    public enum SubscriptionMode {
        /** Every broadcast on the namespace's channel. */
        STATIC,
        /**
         * A broadcast to exactly one room that does not look like a socket id (20 characters) on a channel of its own,
         * which only the nodes with members in that room read. socket.io's default.
         */
        DYNAMIC
    }

    public static final class Builder {
        private final RedisURI uri;
        private String key = "socket.io";
        private Duration requestsTimeout = Duration.ofSeconds(5);
        private boolean publishOnSpecificResponseChannel;
        private SubscriptionMode sharded;

        private Builder(String redisUri) {
            this.uri = RedisURI.create(Objects.requireNonNull(redisUri, "redisUri"));
        }

        /** The channel prefix shared by the cluster's nodes; {@code socket.io} by default, as in socket.io. */
        public Builder key(String key) {
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        /** How long a request to the peers (fetchSockets, server-side emits with acks) waits; 5 s by default. */
        public Builder requestsTimeout(Duration timeout) {
            this.requestsTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Peers answer this node on its own response channel instead of the shared one (socket.io's option). */
        public Builder publishOnSpecificResponseChannel(boolean specific) {
            this.publishOnSpecificResponseChannel = specific;
            return this;
        }

        /**
         * Uses Redis 7's sharded pub/sub (SPUBLISH/SSUBSCRIBE), as socket.io's {@code createShardedAdapter} does with
         * the same {@code subscriptionMode}; the key is its {@code channelPrefix}. Every node of the cluster must use
         * the same protocol and mode.
         */
        public Builder sharded(SubscriptionMode mode) {
            this.sharded = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Connects to Redis (blocking, for up to Lettuce's connect timeout).
         *
         * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
         */
        public RedisCluster connect() {
            return new RedisCluster(this);
        }
    }
}
