package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.interop.support.ClientScript;
import io.courier.interop.support.Unhurried;
import io.courier.redis.RedisCluster;
import io.courier.redis.RedisKeys;
import io.courier.redis.RedisRecoveryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection state recovery across nodes with the stock npm client ({@code recovery-cluster.js}): two Courier nodes
 * share a {@link RedisRecoveryStore} and a {@link RedisCluster} on the local Redis; a client cut off from node A
 * recovers on node B with its id, its room and the events both nodes sent meanwhile, in order.
 */
class RecoveryAcrossNodesIT {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private final String key = "courier-it-" + UUID.randomUUID();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
        RedisKeys.deleteAll(REDIS, key);
    }

    @Test
    void aStockClientRecoversOnAnotherNode() throws Exception {
        Courier a = node("A");
        Courier b = node("B");
        ClientScript.Result r = ClientScript.of("recovery-cluster.js")
                .env("COURIER_URL", "http://127.0.0.1:" + a.port())
                .env("COURIER_A", "http://127.0.0.1:" + a.port())
                .env("COURIER_B", "http://127.0.0.1:" + b.port())
                .timeout(Duration.ofSeconds(90))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
    }

    private Courier node(String name) {
        RedisCluster cluster = RedisCluster.builder(REDIS).key(key).connect();
        opened.add(cluster);
        Courier io = Courier.create(c -> {
            c.host("127.0.0.1").port(0).adapter(cluster);
            Unhurried.timings(c);
            c.connectionStateRecovery(rec -> rec.maxDisconnectionDuration(Duration.ofSeconds(30))
                    .skipMiddlewares(true)
                    .store(RedisRecoveryStore.factory(REDIS, key + ":csr")));
        });
        opened.add(io::close);
        io.onConnection(socket -> {
            socket.on("whoami", (args, ack) -> ack.reply(name));
            socket.on("join", (args, ack) -> {
                socket.join(args.getString(0));
                ack.reply();
            });
            socket.on("emit-room", (args, ack) -> {
                io.to(args.getString(0)).emit("news", args.get(1));
                ack.reply();
            });
            socket.on("members", (args, ack) -> io.in(args.getString(0))
                    .fetchSockets()
                    .thenAccept(found -> ack.reply(found.size())));
        });
        io.start();
        return io;
    }
}
