package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.Courier;
import io.courier.netty.CourierHttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The acks of durable deliveries, which each pump keeps in flight ({@link InFlightRing}): each counts as pending from
 * its sending to its ack, the socket's close drops those never acknowledged, and what was not acknowledged comes again
 * on the next connection.
 */
class DurableAcksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Courier io;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        if (io != null) {
            io.close();
        }
    }

    @Test
    void aDeliveryIsPendingUntilItsAckAndTheCloseDropsTheUnacknowledgedOnes() throws Exception {
        start();
        io.durable().subscribe("driver", "parcels").get(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 3; i++) {
            io.durable().publish("parcels", "item", "p" + i).get(10, TimeUnit.SECONDS);
        }
        String[] ackIds = new String[3];
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            for (int seq = 1; seq <= 3; seq++) {
                ackIds[seq - 1] = delivery(client, seq);
            }
            assertThat(pendingAcks())
                    .as("acks pending once the deliveries were written")
                    .isEqualTo(3);
            client.send("43" + ackIds[1] + "[]").send("43" + ackIds[0] + "[]"); // out of order
            awaitPending(1);
            client.send("43" + ackIds[0] + "[]"); // again: it settles nothing more
            client.send("43999999[]"); // an id nobody waits for
        }
        awaitPending(0); // the close dropped the delivery never acknowledged
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            String ackId = delivery(client, 3); // at least once: the unacknowledged one comes again
            awaitPending(1);
            client.send("43" + ackId + "[]");
            awaitPending(0);
        }
    }

    @Test
    void aCumulativeAckAcknowledgesEveryEarlierDeliveryOfItsChannel() throws Exception {
        start();
        io.durable().subscribe("driver", "parcels").get(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 7; i++) {
            io.durable().publish("parcels", "item", "p" + i).get(10, TimeUnit.SECONDS);
        }
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            String[] ackIds = new String[8];
            for (int seq = 1; seq <= 4; seq++) { // the window
                ackIds[seq] = delivery(client, seq);
            }
            awaitPending(4);
            client.send("43" + ackIds[3] + "[{\"cumulative\":true}]"); // 1, 2 and 3: three places in the window
            for (int seq = 5; seq <= 7; seq++) {
                ackIds[seq] = delivery(client, seq);
            }
            awaitPending(4); // 4 to 7: the three skipped acks are not waited for
            client.send("43" + ackIds[2] + "[]"); // acknowledged already: settles nothing
            client.send("43" + ackIds[5] + "[{\"cumulative\":false}]"); // a plain ack: 4 is still owed
            awaitPending(3);
        }
        awaitPending(0);
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            delivery(client, 4); // the cursor stood at 3: 4 to 7 come again (5's ack moved no cursor)
            delivery(client, 5);
            delivery(client, 6);
            String ackId = delivery(client, 7);
            awaitPending(4);
            // written otherwise than JSON.stringify writes it: parsed, not recognised as text, and just as good
            client.send("43" + ackId + "[{ \"cumulative\": true }]");
            awaitPending(0);
        }
    }

    @Test
    void acksOfTwoChannelsInTurnEachReachTheirOwnChannelsDeliveries() throws Exception {
        startSubscribedToParcelsAndNotes();
        for (int i = 1; i <= 2; i++) {
            io.durable().publish("parcels", "item", "p" + i).get(10, TimeUnit.SECONDS);
            io.durable().publish("notes", "item", "n" + i).get(10, TimeUnit.SECONDS);
        }
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            Map<String, String> ackIds = new HashMap<>(); // "parcels 1" -> its ack id
            for (int i = 0; i < 4; i++) {
                String packet = client.next();
                int bracket = packet.indexOf('[');
                JsonNode meta = JSON.readTree(packet.substring(bracket)).get(2);
                ackIds.put(meta.get("channel").asText() + " " + meta.get("seq").asLong(), packet.substring(2, bracket));
            }
            assertThat(ackIds).containsOnlyKeys("parcels 1", "parcels 2", "notes 1", "notes 2");
            awaitPending(4);
            client.send("43" + ackIds.get("parcels 1") + "[]");
            client.send("43" + ackIds.get("notes 1") + "[]"); // the other channel's pump, then back again
            client.send("43" + ackIds.get("parcels 2") + "[]");
            awaitPending(1);
            client.send("43" + ackIds.get("notes 2") + "[{\"cumulative\":true}]");
            awaitPending(0);
        }
        io.durable().publish("parcels", "item", "p3").get(10, TimeUnit.SECONDS);
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            delivery(client, 3); // both cursors moved: only what is new comes
            io.durable().publish("notes", "item", "n3").get(10, TimeUnit.SECONDS);
            String packet = client.next();
            assertThat(JSON.readTree(packet.substring(packet.indexOf('[')))
                            .get(2)
                            .get("seq")
                            .asLong())
                    .as(packet)
                    .isEqualTo(3);
        }
    }

    @Test
    void anAckOlderThanTheIndexOfAckIdsStillFindsItsDelivery() throws Exception {
        startSubscribedToParcelsAndNotes();
        io.durable().publish("parcels", "item", "p1").get(10, TimeUnit.SECONDS);
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            String old = delivery(client, 1);
            long last = fillTheIndexSince(old); // the next packet takes p1's slot
            io.durable().publish("notes", "item", "n1").get(10, TimeUnit.SECONDS);
            String packet = client.next();
            String later = packet.substring(2, packet.indexOf('['));
            assertThat(Long.parseLong(later)).as(packet).isEqualTo(last + 1);
            awaitPending(2);
            client.send("43" + later + "[]"); // found by the index
            awaitPending(1);
            client.send("43" + old + "[]"); // its slot went to n1's packet: found among the pumps
            awaitPending(0);
        }
    }

    @Test
    void oldAckIdsThatNoDeliveryHasStopBeingLookedForAfterABound() throws Exception {
        startSubscribedToParcelsAndNotes();
        io.durable().publish("parcels", "item", "p1").get(10, TimeUnit.SECONDS);
        io.durable().publish("parcels", "item", "p2").get(10, TimeUnit.SECONDS);
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            String old1 = delivery(client, 1);
            String old2 = delivery(client, 2);
            fillTheIndexSince(old1); // n1 and n2 take the slots of p1 and p2
            io.durable().publish("notes", "item", "n1").get(10, TimeUnit.SECONDS);
            io.durable().publish("notes", "item", "n2").get(10, TimeUnit.SECONDS);
            String n1 = ackIdOf(client.next());
            String n2 = ackIdOf(client.next());
            awaitPending(4);
            client.send("43" + old1 + "[]"); // older than the index: found among the pumps
            awaitPending(3);
            client.send("43" + n1 + "[]"); // by the index: the last ack is for another channel than p2's
            awaitPending(2);
            for (int i = 0; i < DurableDelivery.MAX_OLD_ACK_MISSES; i++) {
                client.send("43" + old1 + "[]"); // again: no ring holds it any more
            }
            // p2's ack, legitimate but past the bound, is no longer looked for; n2's, behind it, goes by the index
            client.send("43" + old2 + "[]").send("43" + n2 + "[]");
            awaitPending(1);
            assertThat(pendingAcks()).as("p2 still pending").isEqualTo(1);
        }
        awaitPending(0);
        try (WireClient client = WireClient.open(io.port())) {
            client.connect("{\"clientId\":\"driver\"}");
            delivery(client, 2); // p2 was never settled: it comes again on the next connection
        }
    }

    @Test
    void identitiesThatWentOfflineLeaveNothingOnTheLanes() throws Exception {
        start();
        DurableDelivery durable = ((DefaultNamespace) io.of("/")).runtime().durable();
        for (int i = 0; i < 5; i++) {
            io.durable().subscribe("driver-" + i, "parcels").get(10, TimeUnit.SECONDS);
        }
        io.durable().publish("parcels", "item", "p1").get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 5; i++) { // one after the other: each the channel's only subscriber online
            try (WireClient client = WireClient.open(io.port())) {
                client.connect("{\"clientId\":\"driver-" + i + "\"}");
                client.send("43" + delivery(client, 1) + "[]");
                awaitPending(0);
                assertThat(durable.channelsOnLanes())
                        .as("'parcels', the identity's direct channel and the recent deliveries of 'parcels'")
                        .isPositive();
            }
            long hangGuard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (durable.channelsOnLanes() != 0) { // the close reaches the lanes after the socket left
                assertThat(System.nanoTime())
                        .as("channels kept on the lanes after driver-%d left: %d", i, durable.channelsOnLanes())
                        .isLessThan(hangGuard);
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void closingAnAttachedServerClearsWhatItKeptOnTheLoopsItDoesNotOwn() throws Exception {
        CourierHttpServer http = new CourierHttpServer("127.0.0.1", 0, 1);
        try {
            io = Courier.create(c -> c.durableQueues(d -> d.inFlightWindow(4)));
            io.attach(http);
            http.start();
            io.metrics().bindTo(registry);
            io.durable().subscribe("driver", "parcels").get(10, TimeUnit.SECONDS);
            io.durable().publish("parcels", "item", "p1").get(10, TimeUnit.SECONDS);
            try (WireClient client = WireClient.open(http.port())) {
                client.connect("{\"clientId\":\"driver\"}");
                client.send("43" + delivery(client, 1) + "[]");
                awaitPending(0);
            }
            DurableDelivery durable = ((DefaultNamespace) io.of("/")).runtime().durable();
            Set<EventLoop> loops = durable.ackLoops();
            assertThat(loops).as("the loops that read an ack").hasSize(1);
            EventLoop loop = loops.iterator().next();
            assertThat(loop.submit(durable::holdsLoopAcks).get(10, TimeUnit.SECONDS))
                    .as("the loop's acks before the close")
                    .isTrue();

            io.close(); // the loop stays: it is the HTTP server's
            io = null;

            // queued after the close's clearing task on the same loop, so it runs after it
            assertThat(loop.submit(durable::holdsLoopAcks).get(10, TimeUnit.SECONDS))
                    .as("the loop's acks after the close")
                    .isFalse();
            assertThat(loop.isShuttingDown()).isFalse();
        } finally {
            http.close();
        }
    }

    /** {@link #start}, with the identity "driver" subscribed to "parcels" and "notes". */
    private void startSubscribedToParcelsAndNotes() throws Exception {
        start();
        io.durable().subscribe("driver", "parcels").get(10, TimeUnit.SECONDS);
        io.durable().subscribe("driver", "notes").get(10, TimeUnit.SECONDS);
    }

    /**
     * Gives out, to nobody, as many ack ids after {@code ackId} as the index of ack ids holds: the next packet takes
     * its slot. Returns the last one given out.
     */
    private long fillTheIndexSince(String ackId) {
        DefaultNamespace ns = (DefaultNamespace) io.of("/");
        long last = Long.parseLong(ackId) + DurableDelivery.ACK_INDEX_SLOTS - 1;
        while (ns.nextAckId() < last) {
            // given to nobody
        }
        return last;
    }

    /** A server on a free port with a window of 4, its metrics in {@link #registry}. */
    private void start() {
        io = Courier.create(c -> c.host("127.0.0.1").port(0).durableQueues(d -> d.inFlightWindow(4)));
        io.start();
        io.metrics().bindTo(registry);
    }

    /** Reads the delivery of {@code seq} of "parcels" and returns its ack id. */
    private static String delivery(WireClient client, long seq) throws Exception {
        String packet = client.next();
        assertThat(packet).as("a delivery").startsWith("42");
        int bracket = packet.indexOf('[');
        JsonNode args = JSON.readTree(packet.substring(bracket));
        assertThat(args.get(1).asText()).as(packet).isEqualTo("p" + seq);
        assertThat(args.get(2).get("seq").asLong()).as(packet).isEqualTo(seq);
        return packet.substring(2, bracket);
    }

    private static String ackIdOf(String packet) {
        return packet.substring(2, packet.indexOf('['));
    }

    private long pendingAcks() {
        return (long) registry.get("courier.acks.pending").gauge().value();
    }

    /** Waits (on the test thread) until the acks pending are {@code expected}: acks settle on the server's loop. */
    private void awaitPending(long expected) {
        long hangGuard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pendingAcks() != expected) {
            assertThat(System.nanoTime())
                    .as("acks pending %s reach %s", pendingAcks(), expected)
                    .isLessThan(hangGuard);
            Thread.onSpinWait();
        }
    }
}
