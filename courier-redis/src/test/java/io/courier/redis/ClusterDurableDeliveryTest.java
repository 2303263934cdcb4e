package io.courier.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Durable queues shared by two nodes through {@link RedisMessageStore}, with the official Java client: a subscriber
 * online on one node receives, at once and in order, what is published on the other; offline, it gets what it missed
 * on whichever node it comes back to.
 */
class ClusterDurableDeliveryTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private final String prefix = "courier-test-" + UUID.randomUUID();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
        RedisKeys.deleteAll(REDIS, prefix);
    }

    @Test
    void aPublishOnOneNodeReachesASubscriberOnAnotherAtOnceAndAfterItMoves() throws Exception {
        Courier a = node();
        Courier b = node();
        a.durable().subscribe("driver-1", "parcels").join();

        BlockingQueue<Long> received = new LinkedBlockingQueue<>();
        Socket onB = driver(b, received);
        for (int i = 1; i <= 5; i++) {
            a.durable().publish("parcels", "parcel", i).join();
        }
        // live: the node that holds the client heard of the appends from the store
        assertThat(next(received, 5)).containsExactly(1L, 2L, 3L, 4L, 5L);

        onB.close();
        for (int i = 6; i <= 8; i++) {
            b.durable().publish("parcels", "parcel", i).join();
        }
        driver(a, received);
        assertThat(next(received, 3)).containsExactly(6L, 7L, 8L);
        assertThat(received.poll(300, TimeUnit.MILLISECONDS))
                .as("nothing twice, nothing more")
                .isNull();
    }

    private Courier node() {
        RedisCluster cluster = RedisCluster.builder(REDIS).key(prefix).connect();
        opened.add(cluster);
        Courier io =
                Courier.create(c -> c.host("127.0.0.1").port(0).adapter(cluster).durableQueues(d -> d.store(
                                RedisMessageStore.factory(REDIS, prefix))
                        .identity(h -> h.auth("clientId").orElse(null))));
        opened.add(io::close);
        io.start();
        return io;
    }

    /** Connects as driver-1 and records the seq of each delivery, acknowledging it. */
    private Socket driver(Courier node, BlockingQueue<Long> received) throws Exception {
        Socket socket = IO.socket(
                "http://127.0.0.1:" + node.port(),
                IO.Options.builder()
                        .setTransports(new String[] {"websocket"})
                        .setForceNew(true)
                        .setAuth(Map.of("clientId", "driver-1"))
                        .build());
        opened.add(socket::close);
        socket.on("parcel", args -> {
            JSONObject meta = (JSONObject) args[1];
            received.add(meta.optLong("seq"));
            ((Ack) args[args.length - 1]).call();
        });
        CompletableFuture<Void> connected = new CompletableFuture<>();
        socket.on(Socket.EVENT_CONNECT, args -> connected.complete(null));
        socket.connect();
        connected.get(10, TimeUnit.SECONDS);
        return socket;
    }

    private static List<Long> next(BlockingQueue<Long> received, int n) throws InterruptedException {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Long seq = received.poll(10, TimeUnit.SECONDS);
            if (seq == null) {
                break;
            }
            out.add(seq);
        }
        return out;
    }
}
