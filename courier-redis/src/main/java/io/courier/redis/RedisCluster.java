package io.courier.redis;

import io.courier.adapter.Adapter;
import io.courier.adapter.AdapterFactory;
import io.courier.adapter.MemberDirectory;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of a cluster over Redis: give it to {@code CourierConfig.builder().adapter(cluster)} and every
 * namespace gets a {@link RedisAdapter}. Nodes that use the same Redis and {@link Builder#key key} act as one server,
 * and so do Node.js socket.io servers using {@code @socket.io/redis-adapter} (classic pub/sub) with that key.
 *
 * <p>Two connections per node, whatever the number of namespaces: one publishes (in order: what one node broadcasts
 * reaches its peers in the order it was sent), one is subscribed. Lettuce reconnects both and subscribes again after a
 * Redis restart; what was published while a node was cut off is lost for that node (Redis pub/sub keeps nothing).
 */
public final class RedisCluster implements AdapterFactory, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);
    private static final char[] UID_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String key;
    private final Duration requestsTimeout;
    private final boolean publishOnSpecificResponseChannel;
    private final String uid;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> pub;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final ScheduledExecutorService timer;
    /** Subscribed channel or pattern → the adapter that reads it. */
    private final Map<String, RedisAdapter> byChannel = new ConcurrentHashMap<>();

    private final AtomicLong dropped = new AtomicLong();
    private volatile long lastDropLog = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;

    private RedisCluster(Builder b) {
        this.key = b.key;
        this.requestsTimeout = b.requestsTimeout;
        this.publishOnSpecificResponseChannel = b.publishOnSpecificResponseChannel;
        this.uid = randomUid();
        this.client = RedisClient.create(b.uri);
        try {
            this.pub = client.connect(ByteArrayCodec.INSTANCE);
            this.sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
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
        RedisAdapter adapter = new RedisAdapter(this, namespace);
        for (String channel : adapter.channels()) {
            byChannel.put(channel, adapter);
        }
        byChannel.put(adapter.broadcastPattern(), adapter);
        sub.async().psubscribe(bytes(adapter.broadcastPattern()));
        sub.async()
                .subscribe(adapter.channels().stream().map(RedisCluster::bytes).toArray(byte[][]::new));
        return adapter;
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

    void publish(String channel, byte[] message) {
        pub.async().publish(bytes(channel), message);
    }

    /** How many subscribers {@code channel} has (PUBSUB NUMSUB): the nodes of the cluster for a request channel. */
    CompletableFuture<Integer> subscribers(String channel) {
        return pub.async()
                .pubsubNumsub(bytes(channel))
                .thenApply(counts ->
                        counts.values().stream().mapToInt(Long::intValue).sum())
                .toCompletableFuture();
    }

    void unsubscribe(RedisAdapter adapter) {
        byChannel.values().removeIf(a -> a == adapter);
        sub.async().punsubscribe(bytes(adapter.broadcastPattern()));
        sub.async()
                .unsubscribe(
                        adapter.channels().stream().map(RedisCluster::bytes).toArray(byte[][]::new));
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

    /** Malformed messages dropped since the start. */
    public long droppedMessages() {
        return dropped.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        sub.close();
        pub.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
            String name = new String(channel, StandardCharsets.UTF_8);
            RedisAdapter adapter = byChannel.get(name);
            if (adapter != null) {
                adapter.onRequestChannel(name, message);
            }
        }

        @Override
        public void message(byte[] pattern, byte[] channel, byte[] message) {
            RedisAdapter adapter = byChannel.get(new String(pattern, StandardCharsets.UTF_8));
            if (adapter != null) {
                adapter.onBroadcast(new String(channel, StandardCharsets.UTF_8), message);
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

    public static final class Builder {
        private final RedisURI uri;
        private String key = "socket.io";
        private Duration requestsTimeout = Duration.ofSeconds(5);
        private boolean publishOnSpecificResponseChannel;

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
         * Connects to Redis (blocking, for up to Lettuce's connect timeout).
         *
         * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
         */
        public RedisCluster connect() {
            return new RedisCluster(this);
        }
    }
}
