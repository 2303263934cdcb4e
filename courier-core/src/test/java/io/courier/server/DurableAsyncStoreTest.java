package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.Courier;
import io.courier.DurableQueues;
import io.courier.durable.InMemoryMessageStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Durable delivery over a store that answers later, on its own threads, in any order across channels (as a network
 * store does): every message reaches its subscriber in seq order per channel, none is lost or comes twice on one
 * connection, and no lane or event loop waits for the store.
 */
class DurableAsyncStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CHANNELS = List.of("parcels", "returns", "alerts", "fleet");
    private static final int WINDOW = 4;

    private final AtomicReference<AsyncMessageStore> store = new AtomicReference<>();
    private Courier io;

    private int start(int failEveryNthRead) {
        io = Courier.create(c -> c.host("127.0.0.1").port(0).durableQueues(d -> d.inFlightWindow(WINDOW)
                .store(settings -> {
                    store.set(new AsyncMessageStore(
                            new InMemoryMessageStore(settings.retention(), settings.limits()), failEveryNthRead));
                    return store.get();
                })));
        io.start();
        return io.port();
    }

    @AfterEach
    void close() {
        if (io != null) {
            io.close();
        }
    }

    @Test
    void deliversEveryMessageOnceInSeqOrderPerChannelWhenTheStoreAnswersLater() throws Exception {
        int port = start(0);
        int perChannel = 150;
        subscribe("driver");
        CompletableFuture<?> backlog = publish(0, perChannel / 3); // waits offline: read from the store at connect
        backlog.get(30, TimeUnit.SECONDS);
        try (WireClient client = WireClient.open(port)) {
            client.connect("{\"clientId\":\"driver\"}");
            CompletableFuture<?> rest = CompletableFuture.runAsync(
                    () -> publish(perChannel / 3, perChannel).join());
            Map<String, List<Long>> received = receive(client, CHANNELS.size() * perChannel);
            rest.get(30, TimeUnit.SECONDS);
            for (String channel : CHANNELS) {
                assertThat(received.get(channel))
                        .as("deliveries of %s, in the order they came", channel)
                        .containsExactlyElementsOf(seqs(1, perChannel));
            }
        }
        assertThat(store.get().blockingWaits())
                .as("waits for the store off the test thread")
                .isEmpty();
    }

    @ParameterizedTest(name = "{0} published meanwhile")
    @ValueSource(ints = {2, 600}) // 600: more than a lane keeps as recent deliveries
    void aReadAnsweredAfterNewerMessagesWereFannedOutLosesNoneOfThem(int meanwhile) throws Exception {
        int port = start(0);
        io.durable().subscribe("driver", "parcels").get(10, TimeUnit.SECONDS);
        publish("parcels", 1, 3);
        store.get().holdReads();
        try (WireClient client = WireClient.open(port)) {
            client.connect("{\"clientId\":\"driver\"}");
            long hangGuard = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.get().heldReads() == 0) { // the pump's first read, answered with seqs 1..3, not yet completed
                assertThat(System.nanoTime()).as("a read is made").isLessThan(hangGuard);
                Thread.onSpinWait();
            }
            publish("parcels", 4, 3 + meanwhile); // fanned out to the lane while the read is outstanding
            store.get().releaseReads();
            assertThat(receive(client, 3 + meanwhile).get("parcels"))
                    .as("deliveries in the order they came")
                    .containsExactlyElementsOf(seqs(1, 3 + meanwhile));
            publish("parcels", 4 + meanwhile, 4 + meanwhile);
            assertThat(receive(client, 1).get("parcels")).containsExactly(4L + meanwhile);
        }
        assertThat(store.get().blockingWaits())
                .as("waits for the store off the test thread")
                .isEmpty();
    }

    @Test
    void aReadTheStoreFailsIsTriedAgainAndAReconnectResumesAfterTheAcknowledgedMessages() throws Exception {
        int port = start(3);
        int perChannel = 60;
        subscribe("driver");
        CompletableFuture<?> publishing =
                CompletableFuture.runAsync(() -> publish(0, perChannel).join());
        Map<String, Long> acked = new LinkedHashMap<>();
        CHANNELS.forEach(c -> acked.put(c, 0L));
        int total = CHANNELS.size() * perChannel;
        int count = 0;
        while (count < total) {
            // a connection takes some deliveries and goes; the next one goes on after what was acknowledged
            try (WireClient client = WireClient.open(port)) {
                client.connect("{\"clientId\":\"driver\"}");
                Map<String, List<Long>> received = receive(client, 40);
                for (String channel : CHANNELS) {
                    List<Long> seqs = received.get(channel);
                    if (seqs.isEmpty()) {
                        continue;
                    }
                    assertThat(seqs.getFirst())
                            .as("first delivery of %s on a new connection", channel)
                            .isBetween(1L, acked.get(channel) + 1);
                    assertThat(seqs)
                            .as("deliveries of %s on one connection", channel)
                            .containsExactlyElementsOf(seqs(seqs.getFirst(), seqs.getLast()));
                    acked.put(channel, Math.max(acked.get(channel), seqs.getLast()));
                }
                count = acked.values().stream().mapToInt(Long::intValue).sum();
            }
            if (count >= total - 40) {
                break;
            }
        }
        publishing.get(30, TimeUnit.SECONDS);
        awaitCursors("driver", acked); // the commits of the acknowledgements reached the store (asynchronously)
        try (WireClient client = WireClient.open(port)) {
            client.connect("{\"clientId\":\"driver\"}");
            Map<String, List<Long>> received = receive(client, total - count);
            for (String channel : CHANNELS) {
                assertThat(received.get(channel))
                        .as("deliveries of %s after reconnecting", channel)
                        .containsExactlyElementsOf(seqs(acked.get(channel) + 1, perChannel));
            }
        }
        assertThat(store.get().failedReads()).as("reads that failed").isPositive();
        assertThat(store.get().blockingWaits())
                .as("waits for the store off the test thread")
                .isEmpty();
    }

    /** Waits (on the test thread) until the store's cursors of {@code clientId} are where its acknowledgements put them. */
    private void awaitCursors(String clientId, Map<String, Long> acked) {
        long hangGuard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Map<String, Long> cursors = store.get().subscriptions(clientId).join();
            if (CHANNELS.stream().allMatch(c -> cursors.get(c).equals(acked.get(c)))) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("cursors %s reach %s", cursors, acked)
                    .isLessThan(hangGuard);
            Thread.onSpinWait();
        }
    }

    private void subscribe(String clientId) throws Exception {
        for (String channel : CHANNELS) {
            io.durable().subscribe(clientId, channel).get(10, TimeUnit.SECONDS);
        }
    }

    /** Publishes seqs {@code from} to {@code to} of {@code channel} and waits until they are stored. */
    private void publish(String channel, int from, int to) throws Exception {
        for (int seq = from; seq <= to; seq++) {
            assertThat(io.durable()
                            .publish(channel, "item", channel + "-" + seq)
                            .get(10, TimeUnit.SECONDS)
                            .seq())
                    .isEqualTo(seq);
        }
    }

    /** Publishes messages {@code from} (inclusive) to {@code to} of every channel, from one thread per channel. */
    private CompletableFuture<?> publish(int from, int to) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (String channel : CHANNELS) {
            all.add(CompletableFuture.runAsync(() -> {
                List<CompletableFuture<DurableQueues.Published>> sent = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    sent.add(io.durable().publish(channel, "item", channel + "-" + (i + 1)));
                }
                for (int i = 0; i < sent.size(); i++) {
                    assertThat(sent.get(i).join().seq()).isEqualTo(from + i + 1);
                }
            }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /**
     * Reads {@code count} deliveries, acknowledging each one; returns their seqs by channel in arrival order and checks
     * each carries its own payload.
     */
    private static Map<String, List<Long>> receive(WireClient client, int count) throws Exception {
        Map<String, List<Long>> received = new LinkedHashMap<>();
        CHANNELS.forEach(c -> received.put(c, new ArrayList<>()));
        int n = 0;
        while (n < count) {
            String packet = client.next();
            assertThat(packet).as("a delivery").startsWith("42");
            int bracket = packet.indexOf('[');
            String ackId = packet.substring(2, bracket);
            JsonNode args = JSON.readTree(packet.substring(bracket));
            assertThat(args.get(0).asText()).as(packet).isEqualTo("item");
            JsonNode meta = args.get(args.size() - 1);
            String channel = meta.get("channel").asText();
            long seq = meta.get("seq").asLong();
            assertThat(args.get(1).asText()).as(packet).isEqualTo(channel + "-" + seq);
            received.get(channel).add(seq);
            client.send("43" + ackId + "[]");
            n++;
        }
        return received;
    }

    private static List<Long> seqs(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            out.add(s);
        }
        return out;
    }
}
