package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.client.CourierClient;
import io.courier.client.Delivery;
import io.courier.client.DurableSubscription;
import io.courier.interop.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * courier-client's durable API against the standalone hub in a child JVM: a subscriber identified by
 * {@code clientId} receives every published message once and in order, across a clean restart of the hub, a
 * {@code kill -9} (the hub then delivers again what it had not yet recorded as acknowledged: the client drops those
 * duplicates), and an offline period; publishes complete with the message id.
 */
class CourierClientHubIT {
    @TempDir
    Path data;

    private static CourierClient client(ServerProcess hub, String clientId) {
        return CourierClient.builder("http://127.0.0.1:" + hub.port())
                .auth(Map.of("clientId", clientId))
                .reconnectionDelay(Duration.ofMillis(100))
                .reconnectionDelayMax(Duration.ofMillis(500))
                .build();
    }

    @Test
    void everyMessageOnceAndInOrderAcrossRestartsKillNineAndOfflinePeriods() throws Exception {
        try (ServerProcess hub = new ServerProcess(data)) {
            BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
            try (CourierClient subscriber = client(hub, "driver-7");
                    CourierClient vendor = client(hub, "vendor-1")) {
                DurableSubscription sub = subscriber.subscribe("parcels", deliveries::add);
                sub.subscribed().get(30, TimeUnit.SECONDS);
                BlockingQueue<String> vendorConnects = new LinkedBlockingQueue<>();
                vendor.socket().onConnect(() -> vendorConnects.add("connect"));
                BlockingQueue<String> subscriberConnects = new LinkedBlockingQueue<>();
                subscriber.socket().onConnect(() -> subscriberConnects.add("connect")); // registered after the first
                vendor.connect();
                take(vendorConnects);

                List<Delivery> seen = new ArrayList<>();
                publish(vendor, 1, 20);
                receive(deliveries, seen, 20);

                // a clean restart: cursors are saved at shutdown
                hub.stop(); // SIGTERM: the shutdown hook saves the cursors
                hub.start();
                take(vendorConnects);
                take(subscriberConnects);
                publish(vendor, 21, 40);
                receive(deliveries, seen, 40);

                // kill -9: the hub forgets up to a second of acknowledgements and delivers those messages again
                hub.killNine();
                hub.start();
                take(vendorConnects);
                publish(vendor, 41, 60);
                receive(deliveries, seen, 60);

                // offline: the subscriber leaves, messages are published, it comes back
                subscriber.socket().disconnect();
                publish(vendor, 61, 80);
                subscriber.socket().connect();
                receive(deliveries, seen, 80);

                assertThat(seen)
                        .extracting(Delivery::seq)
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, 80).boxed().toList());
                assertThat(seen)
                        .extracting(d -> d.args().node(0).path("parcel").asInt())
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, 80)
                                .mapToObj(i -> (int) i)
                                .toList());
                Set<String> ids = new HashSet<>();
                seen.forEach(d ->
                        assertThat(ids.add(d.id())).as("id %s twice", d.id()).isTrue());
                assertThat(seen).allSatisfy(d -> {
                    assertThat(d.channel()).isEqualTo("parcels");
                    assertThat(d.event()).isEqualTo("pickup");
                });
                assertThat(deliveries).as("nothing more").isEmpty();
                // a number for the report, not an assertion: how many redeliveries the client dropped by id
                System.out.println("duplicates dropped by the client: " + sub.duplicatesDropped());
            }
        }
    }

    private static void publish(CourierClient vendor, int from, int to) throws Exception {
        List<CompletableFuture<String>> acks = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            acks.add(vendor.publish("parcels", "pickup", Map.of("parcel", i)));
        }
        for (CompletableFuture<String> ack : acks) {
            assertThat(ack.get(30, TimeUnit.SECONDS)).isNotBlank();
        }
    }

    private static void receive(BlockingQueue<Delivery> deliveries, List<Delivery> seen, int upTo)
            throws InterruptedException {
        while (seen.size() < upTo) {
            Delivery d = deliveries.poll(30, TimeUnit.SECONDS);
            assertThat(d).as("delivery %d did not arrive", seen.size() + 1).isNotNull();
            seen.add(d);
        }
    }

    private static String take(BlockingQueue<String> q) throws InterruptedException {
        String v = q.poll(60, TimeUnit.SECONDS);
        assertThat(v).as("no (re)connection within 60 s").isNotNull();
        return v;
    }
}
