package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.interop.support.ClientScript;
import io.courier.redis.RedisCluster;
import io.courier.redis.SessionForwarder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Long-polling without sticky sessions: three Courier nodes on the local Redis (127.0.0.1:6379), each with a
 * {@link RedisCluster} and a {@link SessionForwarder}, behind the round-robin HTTP proxy of {@code no-sticky.js}, which
 * sends every request to the next node in turn. The official npm client on polling only connects, emits with acks,
 * receives broadcasts and room messages and disconnects; a WebSocket probe through another node fails and the session
 * goes on polling, one straight to the owner upgrades; then node B is closed and its clients come back on A or C.
 * The script also measures ack round trips straight to the owner and through a forward (printed, not asserted).
 */
class PollingWithoutStickyIT {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private final String key = "courier-it-" + UUID.randomUUID();
    private final Map<String, List<AutoCloseable>> nodes = new LinkedHashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        for (String name : new ArrayList<>(nodes.keySet())) {
            close(name);
        }
    }

    @Test
    void pollingClientsWorkThroughARoundRobinBalancerAndComeBackWhenANodeGoes() throws Exception {
        Map<String, Courier> started = new LinkedHashMap<>();
        for (String name : List.of("A", "B", "C")) {
            started.put(name, node(name));
        }
        String urls = started.entrySet().stream()
                .map(e -> e.getKey() + "=http://127.0.0.1:" + e.getValue().port())
                .collect(Collectors.joining(","));
        ClientScript.Result r = ClientScript.of("no-sticky.js")
                .env("NODES", urls)
                .env("COURIER_URL", "http://127.0.0.1:" + started.get("A").port())
                .env("COURIER_TRANSPORTS", "polling")
                .env("ROUND_TRIPS", "300")
                .onPhase(phase -> {
                    if (phase.path("phase").asText().equals("kill")) {
                        close(phase.path("node").asText());
                    }
                })
                .timeout(Duration.ofSeconds(150))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("forwarded").asInt()).isPositive();
        assertThat(r.result().path("movedFromB").asInt()).isPositive();
        System.out.println("PollingWithoutStickyIT: " + r.result());
    }

    /** A started node of the cluster with the handlers no-sticky.js describes. */
    private Courier node(String name) {
        RedisCluster cluster = RedisCluster.builder(REDIS).key(key).connect();
        SessionForwarder forwarder = SessionForwarder.create(cluster);
        Courier io =
                Courier.create(c -> c.host("127.0.0.1").port(0).adapter(cluster).foreignSessions(forwarder));
        // closed in this order: the node, then its forwarder (its address leaves Redis), then its Redis connections
        nodes.put(name, List.of(io::close, forwarder, cluster));
        io.onConnection(socket -> {
            socket.on("whoami", (args, ack) -> ack.reply(name));
            socket.on("echo", (args, ack) -> ack.reply(args.get(0)));
            socket.on("join", (args, ack) -> {
                socket.join(args.getString(0));
                ack.reply();
            });
            socket.on("emit-all", (args, ack) -> {
                io.emit(args.getString(0), args.get(1));
                ack.reply();
            });
            socket.on("emit-room", (args, ack) -> {
                io.to(args.getString(0)).emit(args.getString(1), args.get(2));
                ack.reply();
            });
            socket.on("count", (args, ack) -> io.fetchSockets().whenComplete((found, error) -> {
                if (error == null) {
                    ack.reply(found.size());
                } else {
                    ack.reply(Map.of("error", String.valueOf(error)));
                }
            }));
        });
        io.start();
        return io;
    }

    private void close(String name) {
        List<AutoCloseable> parts = nodes.remove(name);
        if (parts == null) {
            return;
        }
        for (AutoCloseable c : parts) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing node " + name, e);
            }
        }
    }
}
