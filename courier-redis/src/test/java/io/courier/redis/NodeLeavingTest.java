package io.courier.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.RemoteSocket;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node that leaves the cluster while a peer asks it something: the request (or broadcast with acks) waits for exactly
 * the nodes that got it, and each of them answers, so one made while a node closes never waits for its timeout. A node
 * leaves as {@code Courier.close()} then {@code RedisCluster.close()} make it, or by closing its cluster alone.
 */
class NodeLeavingTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final int LEAVES = 25;
    private final String key = "courier-test-" + UUID.randomUUID();
    private final List<AutoCloseable> opened = new ArrayList<>();

    enum Protocol {
        CLASSIC,
        SHARDED
    }

    private final RedisClient client = RedisClient.create(REDIS);
    private final StatefulRedisConnection<String, String> redis = client.connect();

    @AfterEach
    void tearDown() throws Exception {
        client.shutdown();
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void requestsMadeWhileANodeClosesAreAnsweredByTheNodesThatGotThem(Protocol protocol) throws Exception {
        Node a = node(protocol);
        for (int i = 0; i < LEAVES; i++) {
            Node b = node(protocol);
            awaitBothSubscribed(protocol);
            List<CompletableFuture<?>> asked = new ArrayList<>();
            CompletableFuture<Void> leaving = CompletableFuture.runAsync(() -> {
                b.io.close();
                b.cluster.close();
            });
            // requests and broadcasts with acks before, during and after the close
            while (!leaving.isDone()) {
                asked.add(a.io.fetchSockets());
                asked.add(a.io.timeout(Duration.ofSeconds(3)).emitWithAck("ping"));
                Thread.sleep(1);
            }
            asked.add(a.io.fetchSockets());
            leaving.join();
            for (CompletableFuture<?> request : asked) {
                try {
                    // no sockets anywhere: no socket found, no ack
                    assertThat((List<?>) request.get(10, TimeUnit.SECONDS)).isEmpty();
                } catch (ExecutionException e) {
                    throw new AssertionError(
                            "leave " + i + ": one of " + asked.size() + " requests failed", e.getCause());
                }
            }
        }
    }

    @Test
    void aNodeThatClosesItsClusterAloneAnswersWhatItGotBeforeItGoes() throws Exception {
        Node a = node(Protocol.CLASSIC);
        for (int i = 0; i < LEAVES; i++) {
            Node b = node(Protocol.CLASSIC);
            awaitBothSubscribed(Protocol.CLASSIC);
            List<CompletableFuture<List<RemoteSocket>>> asked = new ArrayList<>();
            CompletableFuture<Void> leaving = CompletableFuture.runAsync(b.cluster::close);
            while (!leaving.isDone()) {
                asked.add(a.io.fetchSockets());
                Thread.sleep(1);
            }
            leaving.join();
            for (CompletableFuture<List<RemoteSocket>> request : asked) {
                assertThat(request)
                        .as("leave %d", i)
                        .succeedsWithin(Duration.ofSeconds(10))
                        .asList()
                        .isEmpty();
            }
            b.io.close(); // after its cluster: nothing left to send, and nothing thrown
        }
    }

    @Test
    void whatANodePublishedBeforeItClosesReachesItsPeers() throws Exception {
        // the answers a leaving node sends: handed to its publishing connection, then the node closes at once
        StatefulRedisPubSubConnection<String, String> peer = client.connectPubSub();
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        peer.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                got.add(message);
            }
        });
        String channel = key + "-answers";
        peer.sync().subscribe(channel);
        RedisCluster leaving = RedisCluster.builder(REDIS).key(key).connect();
        int answers = 200;
        for (int i = 0; i < answers; i++) {
            leaving.publish(channel, ("answer " + i).getBytes(StandardCharsets.UTF_8));
        }
        leaving.close();
        for (int i = 0; i < answers; i++) {
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("answer " + i);
        }
    }

    private record Node(Courier io, RedisCluster cluster) {}

    private Node node(Protocol protocol) {
        RedisCluster.Builder builder = RedisCluster.builder(REDIS).key(key).requestsTimeout(Duration.ofSeconds(3));
        if (protocol == Protocol.SHARDED) {
            builder.sharded(RedisCluster.SubscriptionMode.DYNAMIC);
        }
        RedisCluster cluster = builder.connect();
        Courier io = Courier.create(c -> c.host("127.0.0.1").port(0).adapter(cluster));
        opened.add(cluster);
        opened.add(io::close);
        io.start();
        return new Node(io, cluster);
    }

    /** Waits until both nodes read the namespace's request channel (classic) or main shard channel (sharded). */
    private void awaitBothSubscribed(Protocol protocol) throws Exception {
        for (int i = 0; i < 500; i++) {
            Map<String, Long> counts = protocol == Protocol.SHARDED
                    ? redis.sync().pubsubShardNumsub(key + "#/#")
                    : redis.sync().pubsubNumsub(key + "-request#/#");
            if (counts.values().stream().mapToLong(Long::longValue).sum() == 2) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the second node never subscribed");
    }
}
