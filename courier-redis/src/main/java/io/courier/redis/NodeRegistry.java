package io.courier.redis;

import io.lettuce.core.SetArgs;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each node of a cluster can be reached over HTTP, kept in Redis: the key {@code <key>#courier-node#<node id>}
 * holds the node's base URL ({@code http://host:port}) and expires after {@code ttl} unless the node, while it runs,
 * sets it again (every third of the ttl). Lookups are cached for {@link #CACHE_FOR} so that a forward costs no Redis
 * round trip; a stale entry is harmless, as a node that does not hold a forwarded request's sid answers 400.
 */
final class NodeRegistry {
    private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);
    static final Duration CACHE_FOR = Duration.ofSeconds(5);
    /** Bound of the lookup cache; past it the cache starts over. */
    private static final int MAX_CACHED = 1024;

    private final RedisCluster cluster;
    private final Duration ttl;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private volatile ScheduledFuture<?> refresh;
    private volatile URI own;

    private record Cached(URI url, long until) {}

    NodeRegistry(RedisCluster cluster, Duration ttl) {
        this.cluster = cluster;
        this.ttl = ttl;
    }

    private byte[] keyOf(String nodeId) {
        return RedisCluster.bytes(cluster.key() + "#courier-node#" + nodeId);
    }

    /** Announces this node at {@code url} until {@link #close()}. */
    synchronized void register(URI url) {
        if (own != null) {
            throw new IllegalStateException("already registered at " + own);
        }
        own = url;
        write();
        long every = Math.max(1, ttl.toMillis() / 3);
        refresh = cluster.timer().scheduleAtFixedRate(this::write, every, every, TimeUnit.MILLISECONDS);
    }

    private void write() {
        cluster.commands()
                .set(keyOf(cluster.uid()), RedisCluster.bytes(own.toString()), SetArgs.Builder.px(ttl.toMillis()))
                .exceptionally(e -> {
                    log.warn("cannot announce this node's address {} in Redis: {}", own, e.toString());
                    return null;
                });
    }

    /** The base URL of {@code nodeId}, or null if no such node is announced (gone, or never was). */
    CompletableFuture<URI> lookup(String nodeId) {
        Cached c = cache.get(nodeId);
        if (c != null && System.nanoTime() - c.until() < 0) {
            return CompletableFuture.completedFuture(c.url());
        }
        return cluster.commands()
                .get(keyOf(nodeId))
                .handle((value, error) -> {
                    if (error != null) {
                        // Redis is away: what we knew is better than nothing
                        log.debug("cannot look node {} up in Redis: {}", nodeId, error.toString());
                        return c == null ? null : c.url();
                    }
                    if (value == null) {
                        cache.remove(nodeId);
                        return null;
                    }
                    URI url;
                    try {
                        url = URI.create(new String(value, StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        log.warn("node {} is announced at a malformed URL: {}", nodeId, e.getMessage());
                        return null;
                    }
                    if (cache.size() >= MAX_CACHED) {
                        cache.clear();
                    }
                    cache.put(nodeId, new Cached(url, System.nanoTime() + CACHE_FOR.toNanos()));
                    return url;
                })
                .toCompletableFuture();
    }

    /** Drops what is cached about {@code nodeId} (it could not be reached). */
    void forget(String nodeId) {
        cache.remove(nodeId);
    }

    /** Stops announcing this node and removes its entry, so that peers stop forwarding to it. */
    synchronized void close() {
        if (refresh != null) {
            refresh.cancel(false);
            refresh = null;
            try {
                cluster.commands().del(keyOf(cluster.uid())).get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.debug("cannot remove this node's address from Redis: {}", e.toString());
            }
        }
    }
}
