package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability test R11 with numbers: a reconnect storm. Two hubs in a cluster on a redis-server of the test's own
 * ({@code appendonly yes}, {@code appendfsync always}); many durable subscribers on hub A, all subscribed to one
 * shared channel and each to one of its own. Hub A is closed; while it is down a backlog is published through hub B (messages on the shared channel
 * and, for every client, messages on a channel of its own); then hub A is launched again and every client
 * reconnects at once (each retries every {@code r11.retryMillis}, no jitter: the worst case). It reports the drain time
 * (from the relaunch until every client has its whole backlog), the peak heap after GC during the drain (the whole test
 * JVM: both hubs, Lettuce and the clients) and asserts that every client got exactly its backlog, in order.
 *
 * <p>(The own channel is {@code own-<clientId>}, subscribed like the shared one: the HTTP API publishes to no
 * {@code @clientId} channel.)
 *
 * <p>The clients are not the official Java client (OkHttp costs threads and memory per client, too much for thousands
 * on 2 cores) but a minimal Engine.IO v4 / Socket.IO v5 client over the JDK's {@link WebSocket}: all of them share one
 * {@link HttpClient} (one selector thread) and two executor threads. It speaks what a subscriber needs: the handshake
 * with {@code auth: {clientId}}, pong, subscribe with an ack, and acks for the deliveries.
 *
 * <p>Sizes: {@code -Dr11.clients=300 -Dr11.backlog=10 -Dr11.personal=2 -Dr11.retryMillis=250}; the full storm is
 * {@code mvn -B -o -pl courier-server test -Dtest=ReconnectStormTest -Dr11.clients=2000}.
 */
class ReconnectStormTest {
    private static final int CLIENTS = Integer.getInteger("r11.clients", 300);
    private static final int BACKLOG = Integer.getInteger("r11.backlog", 10);
    private static final int PERSONAL = Integer.getInteger("r11.personal", 2);
    private static final long RETRY_MILLIS = Long.getLong("r11.retryMillis", 250);
    private static final String CHANNEL = "storm";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService clientThreads = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    private final HttpClient webSockets = HttpClient.newBuilder()
            .executor(clientThreads)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @TempDir
    Path data;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
        webSockets.shutdownNow();
        retries.shutdownNow();
        clientThreads.shutdownNow();
    }

    @Test
    void everyClientGetsExactlyItsBacklogAfterAllReconnectAtOnce() throws Exception {
        RedisServer redis = new RedisServer(List.of("--appendonly", "yes", "--appendfsync", "always", "--save", ""));
        opened.add(redis);
        redis.start();
        ClusterHub hubA = new ClusterHub(data, redis, "r11");
        opened.add(hubA);
        hubA.launch();
        ClusterHub hubB = new ClusterHub(data, redis, "r11");
        opened.add(hubB);
        hubB.launch();

        List<StormClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            StormClient c = new StormClient("r11-" + i, hubA.port);
            opened.add(c);
            clients.add(c);
            c.connect();
        }
        for (StormClient c : clients) {
            c.subscribed.get(120, TimeUnit.SECONDS);
        }
        System.gc();
        long heapConnected =
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

        hubA.close();
        eventually(() -> clients.stream().noneMatch(c -> c.online.get()), "every client noticed hub A went away");

        // the backlog, published through hub B while hub A is down: in batches of at most 1,000, as the API takes them
        List<String> messages = new ArrayList<>();
        for (int v = 1; v <= BACKLOG; v++) {
            messages.add("{\"channel\":\"" + CHANNEL + "\",\"event\":\"parcel\",\"args\":[" + v + "]}");
        }
        for (StormClient c : clients) {
            for (int k = 1; k <= PERSONAL; k++) {
                messages.add("{\"channel\":\"own-" + c.clientId + "\",\"event\":\"note\",\"args\":[\"" + c.clientId
                        + "\"," + k + "]}");
            }
        }
        for (int from = 0; from < messages.size(); from += 1000) {
            publishBatch(hubB.port, messages.subList(from, Math.min(messages.size(), from + 1000)));
        }

        HeapAfterGc heap = new HeapAfterGc();
        long relaunched = System.nanoTime();
        for (StormClient c : clients) {
            c.measure();
        }
        hubA.launch();
        long listening = System.nanoTime();
        long drainDeadline = listening + TimeUnit.SECONDS.toNanos(300); // hang guard only
        while (System.nanoTime() < drainDeadline && !clients.stream().allMatch(StormClient::complete)) {
            Thread.sleep(20);
        }
        heap.stop();
        long drained = clients.stream().mapToLong(c -> c.completedAt).max().orElse(0);
        long reconnected =
                clients.stream().mapToLong(c -> c.reconnectedAt).max().orElse(0);
        Thread.sleep(500); // late duplicates, if any, would show up here
        System.gc();
        long heapAfter =
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

        int lost = 0;
        int duplicated = 0;
        int reordered = 0;
        int unexpected = 0;
        int reconnectedTwice = 0;
        for (StormClient c : clients) {
            List<Integer> shared = c.shared();
            List<Integer> personal = c.personal();
            lost += missing(shared, BACKLOG) + missing(personal, PERSONAL);
            duplicated += shared.size()
                    - Set.copyOf(shared).size()
                    + personal.size()
                    - Set.copyOf(personal).size();
            reordered += reordered(shared) + reordered(personal);
            unexpected += c.unexpected.get();
            if (c.connectsSinceRelaunch.get() > 1) {
                reconnectedTwice++;
            }
        }
        System.out.printf(
                "R11 reconnect storm, appendfsync always: %d clients (WebSocket) reconnecting to a relaunched hub,"
                        + " backlog %d per client (%d on a shared channel, %d on its own), %d deliveries;"
                        + " hub listening %d ms after the relaunch began, every client reconnected after %d ms,"
                        + " every backlog drained after %d ms; heap after GC: %d MiB with everyone connected,"
                        + " peak %d MiB during the drain (%d GCs), %d MiB after; %d clients reconnected more than"
                        + " once; lost %d, duplicated %d, unexpected %d, reordered %d (load average %s)%n",
                CLIENTS,
                BACKLOG + PERSONAL,
                BACKLOG,
                PERSONAL,
                clients.stream()
                        .mapToInt(c -> c.shared().size() + c.personal().size())
                        .sum(),
                TimeUnit.NANOSECONDS.toMillis(listening - relaunched),
                TimeUnit.NANOSECONDS.toMillis(reconnected - relaunched),
                TimeUnit.NANOSECONDS.toMillis(drained - relaunched),
                heapConnected >> 20,
                heap.peak() >> 20,
                heap.collections(),
                heapAfter >> 20,
                reconnectedTwice,
                lost,
                duplicated,
                unexpected,
                reordered,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (StormClient c : clients) {
            // exactly the backlog, in order; a client that lost its connection again during the drain may rightly
            // get again what it had not acknowledged yet (at-least-once), so for it duplicates are only counted
            boolean once = c.connectsSinceRelaunch.get() == 1;
            assertThat(once ? c.shared() : c.shared().stream().distinct().toList())
                    .as("%s on %s", c.clientId, CHANNEL)
                    .containsExactlyElementsOf(
                            IntStream.rangeClosed(1, BACKLOG).boxed().toList());
            assertThat(once ? c.personal() : c.personal().stream().distinct().toList())
                    .as("%s on own-%s", c.clientId, c.clientId)
                    .containsExactlyElementsOf(
                            IntStream.rangeClosed(1, PERSONAL).boxed().toList());
            assertThat(c.unexpected)
                    .as("%s: deliveries of something else", c.clientId)
                    .hasValue(0);
        }
    }

    private static int missing(List<Integer> got, int expected) {
        Set<Integer> distinct = Set.copyOf(got);
        return (int) IntStream.rangeClosed(1, expected)
                .filter(v -> !distinct.contains(v))
                .count();
    }

    private static int reordered(List<Integer> got) {
        int reordered = 0;
        int highest = 0;
        for (int v : got.stream().distinct().toList()) {
            if (v < highest) {
                reordered++;
            }
            highest = Math.max(highest, v);
        }
        return reordered;
    }

    private void publishBatch(int port, List<String> messages) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/publish"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"messages\":[" + String.join(",", messages) + "]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode results = JSON.readTree(r.body()).get("results");
        assertThat(results).hasSize(messages.size());
        for (JsonNode result : results) {
            assertThat(result.get("ok").asBoolean()).as(result.toString()).isTrue();
        }
    }

    /** Polls a condition that a background action makes true (no timing is asserted: 60 s is a hang guard). */
    private static void eventually(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The largest heap in use right after a GC, from the GC notifications, between construction and stop. */
    private static final class HeapAfterGc {
        private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        private final AtomicLong peak = new AtomicLong();
        private final AtomicInteger collections = new AtomicInteger();
        private final NotificationListener listener = (n, handback) -> {
            if (n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                        .filter(e -> heapPools.contains(e.getKey()))
                        .mapToLong(e -> e.getValue().getUsed())
                        .sum();
                peak.accumulateAndGet(used, Math::max);
                collections.incrementAndGet();
            }
        };

        HeapAfterGc() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener(listener, null, null);
            }
        }

        void stop() throws Exception {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).removeNotificationListener(listener);
            }
        }

        /** The peak after GC, or, if no GC ran, the heap in use now (an upper bound). */
        long peak() {
            return collections.get() > 0
                    ? peak.get()
                    : ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        int collections() {
            return collections.get();
        }
    }

    /**
     * A durable subscriber speaking Engine.IO v4 / Socket.IO v5 over the JDK's WebSocket: it subscribes once (the
     * subscription belongs to its clientId, in Redis, and outlives the connection), acknowledges every delivery, and
     * when its connection ends tries again every {@link #RETRY_MILLIS} until a node answers.
     */
    private final class StormClient implements AutoCloseable {
        final String clientId;
        final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        final AtomicBoolean online = new AtomicBoolean();
        final AtomicInteger unexpected = new AtomicInteger();
        final AtomicInteger connectsSinceRelaunch = new AtomicInteger();
        private final AtomicInteger subscribes = new AtomicInteger();
        volatile long completedAt;
        volatile long reconnectedAt;
        private final URI uri;
        private final List<Integer> shared = new ArrayList<>();
        private final List<Integer> personal = new ArrayList<>();
        private volatile boolean measuring;
        private volatile boolean closed;
        private volatile WebSocket current;

        StormClient(String clientId, int port) {
            this.clientId = clientId;
            this.uri = URI.create("ws://127.0.0.1:" + port + "/socket.io/?EIO=4&transport=websocket");
        }

        void connect() {
            if (closed) {
                return;
            }
            webSockets.newWebSocketBuilder().buildAsync(uri, new Connection()).whenComplete((ws, failure) -> {
                if (failure != null) {
                    retry();
                } else {
                    current = ws;
                }
            });
        }

        private void retry() {
            if (!closed) {
                retries.schedule(this::connect, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        /** From now on, the first connect and the completed backlog are timed. */
        void measure() {
            measuring = true;
        }

        synchronized List<Integer> shared() {
            return List.copyOf(shared);
        }

        synchronized List<Integer> personal() {
            return List.copyOf(personal);
        }

        synchronized boolean complete() {
            return Set.copyOf(shared).size() >= BACKLOG && Set.copyOf(personal).size() >= PERSONAL;
        }

        private synchronized void delivered(JsonNode packet) {
            String event = packet.get(0).asText();
            if (event.equals("parcel") && packet.get(1).isInt()) {
                shared.add(packet.get(1).asInt());
            } else if (event.equals("note") && packet.get(1).asText().equals(clientId)) {
                personal.add(packet.get(2).asInt());
            } else {
                unexpected.incrementAndGet();
            }
            if (measuring && completedAt == 0 && complete()) {
                completedAt = System.nanoTime();
            }
        }

        @Override
        public void close() {
            closed = true;
            WebSocket ws = current;
            if (ws != null) {
                ws.abort();
            }
        }

        /** One WebSocket connection: its own state, so that a late callback of an old one changes nothing. */
        private final class Connection implements WebSocket.Listener {
            private final StringBuilder frame = new StringBuilder();
            private final AtomicBoolean ended = new AtomicBoolean();
            private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

            @Override
            public void onOpen(WebSocket ws) {
                ws.request(1);
            }

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                frame.append(data);
                if (last) {
                    String packet = frame.toString();
                    frame.setLength(0);
                    try {
                        handle(ws, packet);
                    } catch (Exception e) {
                        unexpected.incrementAndGet();
                    }
                }
                ws.request(1);
                return null;
            }

            private void handle(WebSocket ws, String p) throws Exception {
                switch (p.charAt(0)) {
                    case '0' -> send(ws, "40{\"clientId\":\"" + clientId + "\"}"); // Engine.IO open: connect to "/"
                    case '2' -> send(ws, "3"); // ping
                    case '4' -> message(ws, p.substring(1));
                    default -> {} // close (the WebSocket closes next), noop
                }
            }

            private void message(WebSocket ws, String p) throws Exception {
                switch (p.charAt(0)) {
                    case '0' -> { // CONNECT answered
                        online.set(true);
                        if (measuring && connectsSinceRelaunch.getAndIncrement() == 0) {
                            reconnectedAt = System.nanoTime();
                        }
                        if (!subscribed.isDone()) {
                            send(ws, "421[\"subscribe\",\"" + CHANNEL + "\"]");
                            send(ws, "422[\"subscribe\",\"own-" + clientId + "\"]");
                        }
                    }
                    case '2' -> { // EVENT, with an ack id: the published args, then {channel, id, seq}
                        int start = 1;
                        while (Character.isDigit(p.charAt(start))) {
                            start++;
                        }
                        String ackId = p.substring(1, start);
                        delivered(JSON.readTree(p.substring(start)));
                        if (!ackId.isEmpty()) {
                            send(ws, "43" + ackId + "[]");
                        }
                    }
                    case '3' -> { // ACK of a subscribe
                        JsonNode reply = JSON.readTree(p.substring(p.indexOf('[')));
                        if (!reply.get(0).path("ok").asBoolean()) {
                            subscribed.completeExceptionally(new AssertionError(clientId + ": " + reply));
                        } else if (subscribes.incrementAndGet() == 2) {
                            subscribed.complete(null);
                        }
                    }
                    case '4' -> subscribed.completeExceptionally(new AssertionError(clientId + " refused: " + p));
                    default -> {}
                }
            }

            /** Sends in order: the JDK's WebSocket takes one text message at a time. */
            private synchronized void send(WebSocket ws, String text) {
                sending = sending.handle((v, e) -> null).thenCompose(v -> ws.sendText(text, true));
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                ended();
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                ended();
            }

            private void ended() {
                if (ended.compareAndSet(false, true)) {
                    online.set(false);
                    retry();
                }
            }
        }
    }
}
