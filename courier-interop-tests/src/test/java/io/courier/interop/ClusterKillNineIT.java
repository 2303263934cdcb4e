package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.JavaClients;
import io.courier.interop.support.ServerProcess;
import io.courier.redis.RedisKeys;
import io.socket.client.Ack;
import io.socket.client.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node that holds a subscriber dies (SIGKILL) mid-stream, and the subscriber replays in order on another node:
 * two standalone hubs in one cluster (separate processes, {@code --redis} on the local Redis, a key of the test's own),
 * the official Java client subscribed on hub A, publishes through hub B's HTTP API; hub A is killed halfway and the
 * client comes back on hub B with the same identity. Every acknowledged publish arrives, in order (socket.io's
 * redis-streams-adapter loses them: its issue #27).
 */
class ClusterKillNineIT {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final int PUBLISHES = 200;
    private final String key = "courier-it-" + UUID.randomUUID();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @TempDir
    Path data;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
        RedisKeys.deleteAll(REDIS, key);
    }

    @Test
    void aSubscriberReplaysInOrderOnAnotherNodeAfterItsNodeWasKilled() throws Exception {
        ServerProcess a = hub("a");
        ServerProcess b = hub("b");
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        subscriber(a.port(), delivered, true);

        HttpClient http = HttpClient.newHttpClient();
        Set<Integer> acked = new HashSet<>();
        for (int i = 1; i <= PUBLISHES; i++) {
            if (i == PUBLISHES / 2) {
                a.killNine(); // its subscriber's socket dies with it, whatever it had in flight
                subscriber(b.port(), delivered, false); // the same identity, on another node
            }
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/publish"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"channel\":\"parcels\",\"event\":\"parcel\",\"args\":[" + i + "]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                acked.add(i);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!delivered.containsAll(acked) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<Integer> firsts = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int v : delivered) {
            if (seen.add(v)) {
                firsts.add(v);
            }
        }
        Set<Integer> lost = new HashSet<>(acked);
        lost.removeAll(seen);
        System.out.printf(
                "node killed: %d publishes, %d acknowledged, %d deliveries, lost %d, duplicated %d%n",
                PUBLISHES, acked.size(), delivered.size(), lost.size(), delivered.size() - seen.size());
        assertThat(acked).hasSize(PUBLISHES);
        assertThat(lost).as("acknowledged, never delivered").isEmpty();
        assertThat(firsts).as("first deliveries in publish order").isSorted();
        assertThat(seen).as("nothing that was not published").isSubsetOf(acked);
    }

    private ServerProcess hub(String name) {
        ServerProcess hub =
                new ServerProcess(data.resolve(name), "--redis", REDIS, "--redis-key", key, "--ping-interval", "25000");
        opened.add(hub);
        return hub;
    }

    /** Connects as driver-1 on {@code port}, records each parcel and acknowledges it; subscribes first if asked. */
    private void subscriber(int port, List<Integer> delivered, boolean subscribe) throws Exception {
        JavaClients clients = new JavaClients(port);
        opened.add(clients);
        Socket socket = clients.open("/", o -> o.auth = Map.of("clientId", "driver-1"));
        // before the connect: a node sends what is waiting as soon as the identity is connected
        socket.on("parcel", args -> {
            delivered.add((Integer) args[0]);
            ((Ack) args[args.length - 1]).call();
        });
        CompletableFuture<Void> connected = new CompletableFuture<>();
        socket.once(Socket.EVENT_CONNECT, args -> connected.complete(null));
        socket.connect();
        connected.get(10, TimeUnit.SECONDS);
        if (subscribe) {
            CompletableFuture<Object[]> subscribed = new CompletableFuture<>();
            socket.emit("subscribe", new Object[] {"parcels"}, (Ack) subscribed::complete);
            assertThat(subscribed.get(10, TimeUnit.SECONDS)[0].toString()).contains("\"ok\":true");
        }
    }
}
