package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.client.ContinuityLost;
import io.courier.client.CourierClient;
import io.courier.client.Delivery;
import io.courier.client.DurableSubscription;
import io.courier.durable.Retention;
import io.courier.standalone.ConformanceServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * courier-client's durable API against the hub protocol (in-process, {@code ConformanceServer.startDurable}): a
 * retention gap arrives as {@link ContinuityLost} right before the kept messages; a handler that throws leaves its
 * message unacknowledged, so it comes again on the next connection while the ones handled meanwhile are dropped as
 * duplicates; an asynchronous handler acknowledges when its stage completes; deliveries handled together are
 * acknowledged with cumulative acks the hub understands, and held for one ack until half the window the hub names is
 * handled (what is held goes out when the client closes); {@code unsubscribe} ends the subscription on the hub.
 */
class CourierClientDurableIT {
    @TempDir
    Path data;

    private ConformanceServer start() {
        return ConformanceServer.startDurable("127.0.0.1", 0, d -> d.directory(data)
                .maintenanceInterval(Duration.ofMillis(100))
                .retention(c -> c.startsWith("tiny") ? new Retention(Duration.ofHours(1), 200) : Retention.DEFAULT));
    }

    private static CourierClient client(ConformanceServer server, String clientId) {
        return CourierClient.builder("http://127.0.0.1:" + server.port())
                .auth(Map.of("clientId", clientId))
                .build();
    }

    private static <T> T next(BlockingQueue<T> q) throws InterruptedException {
        T v = q.poll(30, TimeUnit.SECONDS);
        assertThat(v).as("nothing arrived within 30 s").isNotNull();
        return v;
    }

    @Test
    void aRetentionGapIsAnnouncedBeforeTheKeptMessages() throws Exception {
        try (ConformanceServer server = start();
                CourierClient late = client(server, "late");
                CourierClient vendor = client(server, "vendor")) {
            BlockingQueue<Object> events = new LinkedBlockingQueue<>();
            DurableSubscription sub = late.subscribe("tiny", events::add, events::add);
            sub.subscribed().get(30, TimeUnit.SECONDS);
            disconnect(late);
            for (int n = 1; n <= 20; n++) {
                vendor.publish("tiny", "item", String.format("%40d", n)).get(30, TimeUnit.SECONDS);
            }
            // retention runs in the server's maintenance (every 100 ms): wait until it removed something
            while (vendor.socket()
                            .emitWithAck("channel-stats", "tiny")
                            .get(30, TimeUnit.SECONDS)
                            .node(0)
                            .path("expiredThrough")
                            .asLong()
                    <= 0) {
                Thread.sleep(20);
            }
            late.socket().connect();
            Object first = next(events);
            assertThat(first).isInstanceOf(ContinuityLost.class);
            ContinuityLost gap = (ContinuityLost) first;
            assertThat(gap.channel()).isEqualTo("tiny");
            assertThat(gap.fromSeq()).isEqualTo(1);
            long seq = gap.toSeq();
            while (seq < 20) {
                Object e = next(events);
                assertThat(e).as("after %d", seq).isInstanceOf(Delivery.class);
                assertThat(((Delivery) e).seq()).as("no silent gap").isEqualTo(seq + 1);
                assertThat(((Delivery) e).args().getString(0).trim()).isEqualTo(String.valueOf(seq + 1));
                seq++;
            }
        }
    }

    @Test
    void aHandlerThatThrowsGetsItsMessageAgainAndHandledOnesAreDroppedAsDuplicates() throws Exception {
        try (ConformanceServer server = start();
                CourierClient subscriber = client(server, "flaky");
                CourierClient vendor = client(server, "vendor")) {
            BlockingQueue<Long> calls = new LinkedBlockingQueue<>();
            AtomicBoolean failedOnce = new AtomicBoolean();
            DurableSubscription sub = subscriber.subscribe("orders", d -> {
                calls.add(d.seq());
                if (d.seq() == 1 && failedOnce.compareAndSet(false, true)) {
                    throw new IllegalStateException("the first try of message 1 fails (expected in this test)");
                }
            });
            sub.subscribed().get(30, TimeUnit.SECONDS);
            for (int n = 1; n <= 3; n++) {
                vendor.publish("orders", "order", n).get(30, TimeUnit.SECONDS);
            }
            assertThat(next(calls)).isEqualTo(1);
            assertThat(next(calls)).isEqualTo(2);
            assertThat(next(calls)).isEqualTo(3);

            disconnect(subscriber);
            subscriber.socket().connect();
            assertThat(next(calls)).as("message 1 again, unacknowledged").isEqualTo(1);
            vendor.publish("orders", "order", 4).get(30, TimeUnit.SECONDS);
            assertThat(next(calls)).as("2 and 3 were dropped as duplicates").isEqualTo(4);
            assertThat(sub.duplicatesDropped()).isEqualTo(2);
        }
    }

    @Test
    void anAsynchronousHandlerAcknowledgesWhenItsStageCompletesAndUnsubscribeEndsTheSubscription() throws Exception {
        // a window of one: the hub sends message 2 only once message 1 is acknowledged
        try (ConformanceServer server = ConformanceServer.startDurable(
                        "127.0.0.1", 0, d -> d.directory(data).inFlightWindow(1));
                CourierClient subscriber = client(server, "async");
                CourierClient vendor = client(server, "vendor")) {
            BlockingQueue<CompletableFuture<Void>> pending = new LinkedBlockingQueue<>();
            BlockingQueue<Long> seqs = new LinkedBlockingQueue<>();
            DurableSubscription sub = subscribeAsync(subscriber, "jobs", seqs, pending);
            vendor.publish("jobs", "job", 1).get(30, TimeUnit.SECONDS);
            vendor.publish("jobs", "job", 2).get(30, TimeUnit.SECONDS);
            assertThat(next(seqs)).isEqualTo(1);
            CompletableFuture.runAsync(() -> next0(pending).complete(null)); // the work ends on another thread
            assertThat(next(seqs)).as("message 2 comes once 1 is acknowledged").isEqualTo(2);
            next(pending).complete(null);

            assertThat(subscribers(vendor)).isEqualTo(1);
            sub.unsubscribe().get(30, TimeUnit.SECONDS);
            assertThat(subscribers(vendor)).isZero();
        }
    }

    @Test
    void deliveriesHandledInBatchesAreAcknowledgedCumulativelyAndNeverComeAgain() throws Exception {
        // a window of 8: the hub sends the next deliveries only as the cumulative acks free places
        try (ConformanceServer server = ConformanceServer.startDurable("127.0.0.1", 0, d -> d.directory(data)
                        .inFlightWindow(8)
                        .maintenanceInterval(Duration.ofMillis(100)));
                CourierClient subscriber = client(server, "batcher");
                CourierClient vendor = client(server, "vendor")) {
            BlockingQueue<CompletableFuture<Void>> pending = new LinkedBlockingQueue<>();
            BlockingQueue<Long> seqs = new LinkedBlockingQueue<>();
            DurableSubscription sub = subscribeAsync(subscriber, "batches", seqs, pending);
            for (int n = 1; n <= 40; n++) {
                vendor.publish("batches", "item", n).get(30, TimeUnit.SECONDS);
            }
            // the work of each window ends at once, on one thread: the client acknowledges it with few acks
            for (long seq = 1; seq <= 40; ) {
                List<CompletableFuture<Void>> window = new ArrayList<>();
                do {
                    assertThat(next(seqs)).as("in order, once each").isEqualTo(seq++);
                    window.add(next(pending));
                } while (seq <= 40 && !seqs.isEmpty());
                window.forEach(f -> f.complete(null));
            }
            awaitAllAcknowledged(vendor, "batches");
            disconnect(subscriber);
            subscriber.socket().connect();
            vendor.publish("batches", "item", 41).get(30, TimeUnit.SECONDS);
            assertThat(next(seqs)).as("every earlier delivery was acknowledged").isEqualTo(41);
            next(pending).complete(null);
            assertThat(sub.duplicatesDropped()).as("nothing came again").isZero();
        }
    }

    @Test
    void handledDeliveriesAreHeldUntilHalfTheHubsWindowAndWhatIsHeldGoesOutWhenTheClientCloses() throws Exception {
        // a window of 8, which the hub names in its reply to subscribe: fewer than 4 handled deliveries are held for
        // one cumulative ack (here for up to an hour), 4 go out at once
        try (ConformanceServer server = ConformanceServer.startDurable("127.0.0.1", 0, d -> d.directory(data)
                        .inFlightWindow(8)
                        .maintenanceInterval(Duration.ofMillis(100)));
                CourierClient vendor = client(server, "vendor")) {
            CourierClient subscriber = CourierClient.builder("http://127.0.0.1:" + server.port())
                    .auth(Map.of("clientId", "holder"))
                    .ackDelay(Duration.ofHours(1))
                    .build();
            try {
                BlockingQueue<Long> seqs = new LinkedBlockingQueue<>();
                DurableSubscription sub = subscriber.subscribe("held", d -> {
                    seqs.add(d.seq());
                    if (d.seq() == 6) {
                        sleep(200); // still at work when the test closes the client (below): close waits for it
                    }
                });
                sub.subscribed().get(30, TimeUnit.SECONDS);
                for (int n = 1; n <= 3; n++) {
                    vendor.publish("held", "item", n).get(30, TimeUnit.SECONDS);
                }
                for (long seq = 1; seq <= 3; seq++) {
                    assertThat(next(seqs)).isEqualTo(seq);
                }
                // a new connection: the held ack never reached the hub, so 1 to 3 come again, and are dropped
                disconnect(subscriber);
                subscriber.socket().connect();
                vendor.publish("held", "item", 4).get(30, TimeUnit.SECONDS);
                assertThat(next(seqs))
                        .as("1 to 3 were held, came again and were dropped")
                        .isEqualTo(4);
                assertThat(sub.duplicatesDropped()).isEqualTo(3);
                awaitAllAcknowledged(vendor, "held"); // the three again and 4: half the window, one ack at once

                vendor.publish("held", "item", 5).get(30, TimeUnit.SECONDS);
                vendor.publish("held", "item", 6).get(30, TimeUnit.SECONDS);
                assertThat(next(seqs)).isEqualTo(5);
                assertThat(next(seqs)).isEqualTo(6);
            } finally {
                subscriber.close();
            }
            awaitAllAcknowledged(vendor, "held"); // 5 was held, 6 still handled: closing waited for it, then acked both
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaves the hub and waits until the client says it is disconnected. */
    private static void disconnect(CourierClient client) throws InterruptedException {
        BlockingQueue<String> disconnected = new LinkedBlockingQueue<>();
        client.socket().onDisconnect(disconnected::add);
        client.socket().disconnect();
        next(disconnected);
    }

    /** Waits until the hub's maintenance removed every message of {@code channel}: each subscriber acknowledged all. */
    private static void awaitAllAcknowledged(CourierClient vendor, String channel) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (stats(vendor, channel).path("messages").asLong() > 0) {
            assertThat(System.nanoTime())
                    .as("all of %s acknowledged within 30 s", channel)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /**
     * Subscribes with a handler that records each delivery's seq and returns a stage the test completes (in {@code
     * pending}); returns once the hub confirmed the subscription.
     */
    private static DurableSubscription subscribeAsync(
            CourierClient subscriber,
            String channel,
            BlockingQueue<Long> seqs,
            BlockingQueue<CompletableFuture<Void>> pending)
            throws Exception {
        DurableSubscription sub = subscriber.subscribeAsync(
                channel,
                d -> {
                    seqs.add(d.seq());
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    pending.add(f);
                    return f;
                },
                null);
        sub.subscribed().get(30, TimeUnit.SECONDS);
        return sub;
    }

    private static <T> T next0(BlockingQueue<T> q) {
        try {
            return next(q);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int subscribers(CourierClient vendor) throws Exception {
        return stats(vendor, "jobs").path("subscribers").asInt(-1);
    }

    private static JsonNode stats(CourierClient vendor, String channel) throws Exception {
        return vendor.socket()
                .emitWithAck("channel-stats", channel)
                .get(30, TimeUnit.SECONDS)
                .node(0);
    }
}
