package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability test R10 with numbers: a rolling restart under load. Three hubs in a cluster on a redis-server of the
 * test's own ({@code appendonly yes}, {@code appendfsync always}); durable subscribers (the official Java client,
 * WebSocket) connected through a round-robin TCP proxy, so they are spread over the nodes and a subscriber whose node
 * goes away reconnects through the proxy and lands on another node that is up; a publisher publishing continuously
 * over HTTP to the nodes in turn (straight to each node, skipping one that is down). The hubs are restarted one at a
 * time (the launched server closed, then launched again on the same port) while publishing goes on.
 *
 * <p>Per subscriber and in total it reports lost (acknowledged, never delivered), duplicated, unexpected (delivered,
 * never acknowledged: a publish whose node went away before answering may still have been stored) and reordered (an
 * acknowledged publish delivered for the first time after a later acknowledged one). Delivery is at-least-once:
 * duplicates are reported, not refused; lost and reordered must be 0. Times are reported, never asserted.
 *
 * <p>It also reports how each subscriber noticed that its node went away, and the longest wait between two deliveries,
 * and asserts that none waited for its ping timeout: a hub that shuts down ends its WebSockets without a close frame
 * ({@code WebSocketTransport.endWithoutCloseFrame}), since the official Java client 2.1 (engine.io-client 2.1.0 on
 * OkHttp, no {@code onClosing}) stops reading after a close frame and would notice only at its ping timeout
 * (pingInterval + pingTimeout, 45 s by default); the end of the stream it notices at once ("transport error").
 *
 * <p>Sizes: {@code -Dr10.subscribers=6 -Dr10.channels=2 -Dr10.rounds=1 -Dr10.downMillis=2000 -Dr10.upMillis=3000
 * -Dr10.pauseMillis=2} (rounds: how often every hub is restarted; pause: between two publishes).
 */
class RollingRestartTest {
    private static final int SUBSCRIBERS = Integer.getInteger("r10.subscribers", 6);
    private static final int CHANNELS = Integer.getInteger("r10.channels", 2);
    private static final int ROUNDS = Integer.getInteger("r10.rounds", 1);
    private static final long DOWN_MILLIS = Long.getLong("r10.downMillis", 2000);
    private static final long UP_MILLIS = Long.getLong("r10.upMillis", 3000);
    private static final long PAUSE_MILLIS = Long.getLong("r10.pauseMillis", 2);
    private static final int NODES = 3;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @TempDir
    Path data;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
    }

    @Test
    void everyAcknowledgedPublishReachesEverySubscriberInOrderThroughARollingRestart() throws Exception {
        RedisServer redis = new RedisServer(List.of("--appendonly", "yes", "--appendfsync", "always", "--save", ""));
        opened.add(redis);
        redis.start();
        List<ClusterHub> hubs = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            ClusterHub hub = new ClusterHub(data, redis, "r10");
            opened.add(hub);
            hubs.add(hub.launch());
        }
        RoundRobinProxy proxy =
                new RoundRobinProxy(hubs.stream().map(h -> h.port).toList());
        opened.add(proxy);

        List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            Subscriber s = new Subscriber("r10-sub-" + i, "r10-" + (i % CHANNELS), proxy.port());
            opened.add(s);
            subscribers.add(s);
        }
        for (Subscriber s : subscribers) {
            s.connected.get(30, TimeUnit.SECONDS);
        }

        // the publisher: one publish at a time, to the nodes in turn; a value is acknowledged once its node said 200
        Map<String, Set<Integer>> acked = new ConcurrentHashMap<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger attempted = new AtomicInteger();
        Thread publisher = Thread.ofPlatform().name("r10-publisher").start(() -> {
            int n = 0;
            while (publishing.get()) {
                n++;
                String channel = "r10-" + (n % CHANNELS);
                if (publish(hubs.get(n % NODES).port, channel, n)) {
                    acked.computeIfAbsent(channel, c -> ConcurrentHashMap.newKeySet())
                            .add(n);
                }
                attempted.set(n);
                sleep(PAUSE_MILLIS);
            }
        });

        long started = System.nanoTime();
        List<Long> downtimes = new ArrayList<>();
        sleep(UP_MILLIS);
        for (int round = 0; round < ROUNDS; round++) {
            for (ClusterHub hub : hubs) {
                long down = System.nanoTime();
                hub.close();
                sleep(DOWN_MILLIS);
                hub.launch();
                downtimes.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down));
                sleep(UP_MILLIS);
            }
        }
        publishing.set(false);
        publisher.join();
        long publishedFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // every acknowledged publish arrives (hang guard only: nothing about time is asserted)
        long settling = System.nanoTime();
        long deadline = settling + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline
                && !subscribers.stream()
                        .allMatch(s -> s.values().containsAll(acked.getOrDefault(s.channel, Set.of())))) {
            Thread.sleep(50);
        }
        long settledIn = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - settling);

        int ackedTotal = acked.values().stream().mapToInt(Set::size).sum();
        int lost = 0;
        int duplicated = 0;
        int unexpected = 0;
        int reordered = 0;
        int delivered = 0;
        int reconnects = 0;
        long longestGap = 0;
        Map<String, Integer> reasons = new java.util.TreeMap<>();
        for (Subscriber s : subscribers) {
            Set<Integer> mine = acked.getOrDefault(s.channel, Set.of());
            Result r = Result.of(s.values(), mine);
            System.out.printf(
                    "R10 %s on %s: %d delivered, %d reconnects %s, longest wait between deliveries %d ms; lost %d,"
                            + " duplicated %d, unexpected %d, reordered %d%n",
                    s.clientId,
                    s.channel,
                    r.delivered,
                    s.connects.get() - 1,
                    s.reasons,
                    TimeUnit.NANOSECONDS.toMillis(s.longestGap),
                    r.lost.size(),
                    r.duplicated,
                    r.unexpected,
                    r.reordered);
            lost += r.lost.size();
            duplicated += r.duplicated;
            unexpected += r.unexpected;
            reordered += r.reordered;
            delivered += r.delivered;
            reconnects += s.connects.get() - 1;
            longestGap = Math.max(longestGap, s.longestGap);
            s.reasons.forEach((k, v) -> reasons.merge(k, v, Integer::sum));
        }
        System.out.printf(
                "R10 rolling restart, %d hubs restarted %d time(s) each (down %s ms), appendfsync always: %d"
                        + " subscribers on %d channels, %d publishes in %d ms, %d acknowledged, %d delivered,"
                        + " %d reconnects %s, longest wait %d ms, settled %d ms after the last publish; lost %d,"
                        + " duplicated %d, unexpected %d, reordered %d (load average %s)%n",
                NODES,
                ROUNDS,
                downtimes,
                SUBSCRIBERS,
                CHANNELS,
                attempted.get(),
                publishedFor,
                ackedTotal,
                delivered,
                reconnects,
                reasons,
                TimeUnit.NANOSECONDS.toMillis(longestGap),
                settledIn,
                lost,
                duplicated,
                unexpected,
                reordered,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
        assertThat(lost).as("acknowledged and never delivered").isZero();
        assertThat(reordered)
                .as("acknowledged publishes delivered out of order")
                .isZero();
        assertThat(reconnects).as("every restart moved its subscribers").isGreaterThanOrEqualTo(ROUNDS * NODES);
        assertThat(reasons)
                .as("how the subscribers noticed that their node went away")
                .doesNotContainKey("ping timeout");
    }

    /** What one subscriber got, against what was acknowledged on its channel. */
    record Result(int delivered, Set<Integer> lost, int duplicated, int unexpected, int reordered) {
        static Result of(List<Integer> values, Set<Integer> acked) {
            Set<Integer> lost = new HashSet<>(acked);
            lost.removeAll(values);
            Set<Integer> distinct = new HashSet<>(values);
            int unexpected =
                    (int) distinct.stream().filter(v -> !acked.contains(v)).count();
            int reordered = 0;
            int highest = 0;
            Set<Integer> seen = new HashSet<>();
            for (int v : values) {
                if (acked.contains(v) && seen.add(v)) {
                    if (v < highest) {
                        reordered++;
                    }
                    highest = Math.max(highest, v);
                }
            }
            return new Result(values.size(), lost, values.size() - distinct.size(), unexpected, reordered);
        }
    }

    /** A durable subscriber: the official Java client through the proxy, re-subscribing on every connect. */
    private static final class Subscriber implements AutoCloseable {
        final String clientId;
        final String channel;
        final CompletableFuture<Object> connected = new CompletableFuture<>();
        final AtomicInteger connects = new AtomicInteger();
        private final List<Integer> delivered = new CopyOnWriteArrayList<>();
        private final Socket socket;
        final Map<String, Integer> reasons = new ConcurrentHashMap<>();
        private volatile long last;
        private volatile long longestGap;

        Subscriber(String clientId, String channel, int port) {
            this.clientId = clientId;
            this.channel = channel;
            this.socket = IO.socket(
                    URI.create("http://127.0.0.1:" + port),
                    IO.Options.builder()
                            .setTransports(new String[] {"websocket"})
                            .setForceNew(true)
                            .setReconnectionDelay(100)
                            .setReconnectionDelayMax(1000)
                            .setAuth(Map.of("clientId", clientId))
                            .build());
            socket.on("parcel", args -> {
                long now = System.nanoTime();
                if (last != 0) {
                    longestGap = Math.max(longestGap, now - last);
                }
                last = now;
                delivered.add((Integer) args[0]);
                ((Ack) args[args.length - 1]).call();
            });
            // why the client noticed its node was gone: "transport error" at once, or "ping timeout" (the official
            // Java client 2.1 has no onClosing for OkHttp: after a WebSocket close frame it would wait for it)
            socket.on(Socket.EVENT_DISCONNECT, args -> reasons.merge(String.valueOf(args[0]), 1, Integer::sum));
            socket.on(Socket.EVENT_CONNECT, args -> {
                connects.incrementAndGet();
                socket.emit("subscribe", new Object[] {channel}, reply -> {
                    if (((JSONObject) reply[0]).optBoolean("ok")) {
                        connected.complete(reply[0]);
                    }
                });
            });
            socket.connect();
        }

        List<Integer> values() {
            return delivered;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** One publish on a node's HTTP API; true if it was acknowledged (200). */
    private boolean publish(int port, String channel, int value) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/publish"))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"channel\":\"" + channel + "\",\"event\":\"parcel\",\"args\":[" + value + "]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
