package io.courier.interop;

import static io.courier.interop.support.JavaClients.await;
import static io.courier.interop.support.JavaClients.call;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.JavaClients;
import io.courier.interop.support.ServerProcess;
import io.socket.client.Ack;
import io.socket.client.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 5, end to end with the official Java client (2.1.2) on the standalone server: an acknowledged publish
 * whose record is damaged on disk while the server is down (the newest record: recovery cuts it as a torn tail) is
 * announced with {@code courier:continuity-lost} to its channel's subscriber, and to no other channel of it (not its
 * {@code @id} channel); the next publish gets a new id and the next seq, never the lost one's.
 */
class DurableDamageIT {
    private static final String MARKER = "DAMAGED-AFTER-ITS-ACK";

    @TempDir
    Path data;

    @Test
    void aDamagedAcknowledgedMessageIsAnnouncedOnItsChannelOnlyAndItsIdAndSeqAreNotReused() throws Exception {
        String damagedId;
        try (ServerProcess server = new ServerProcess(data)) {
            try (JavaClients java = new JavaClients(server.port())) {
                Socket subscriber = java.connect("/", o -> o.auth = Map.of("clientId", "sub"));
                assertThat(call(subscriber, "subscribe", "news")[0].toString()).contains("\"ok\":true");
                subscriber.disconnect(); // away while the messages are published: they wait on disk
                Socket publisher = java.connect("/");
                JSONObject first = (JSONObject) call(publisher, "publish", "news", "tick", "first")[0];
                JSONObject damaged = (JSONObject) call(publisher, "publish", "news", "tick", MARKER)[0];
                assertThat(first.getBoolean("ok")).isTrue();
                assertThat(damaged.getBoolean("ok")).isTrue();
                damagedId = damaged.getString("id");
            }
            server.stop(); // a clean stop: the damage comes later, to bytes that were fsynced
            damage(data.resolve("queues"));
            server.start();

            try (JavaClients java = new JavaClients(server.port())) {
                List<Object[]> events = new CopyOnWriteArrayList<>();
                CompletableFuture<Void> both = new CompletableFuture<>();
                Socket subscriber = java.open("/", o -> o.auth = Map.of("clientId", "sub"));
                for (String event : List.of("tick", "courier:continuity-lost")) {
                    subscriber.on(event, args -> {
                        events.add(new Object[] {event, args[0], args.length > 1 ? args[1] : null});
                        ((Ack) args[args.length - 1]).call();
                        if (events.size() == 2) {
                            both.complete(null);
                        }
                    });
                }
                subscriber.connect();
                await(both);
                assertThat(events.get(0)[0]).isEqualTo("tick");
                assertThat(events.get(0)[1]).isEqualTo("first");
                assertThat(events.get(1)[0]).isEqualTo("courier:continuity-lost");
                JSONObject gap = (JSONObject) events.get(1)[1];
                assertThat(gap.getString("channel")).isEqualTo("news");
                assertThat(gap.getLong("fromSeq")).isEqualTo(2);
                assertThat(gap.getLong("toSeq")).isEqualTo(2);

                Socket publisher = java.connect("/");
                CompletableFuture<Object[]> delivered = JavaClients.next(subscriber, "tick");
                JSONObject next = (JSONObject) call(publisher, "publish", "news", "tick", "next")[0];
                assertThat(next.getBoolean("ok")).isTrue();
                assertThat(next.getString("id")).isNotEqualTo(damagedId);
                Object[] args = await(delivered);
                assertThat(args[0]).isEqualTo("next");
                JSONObject meta = (JSONObject) args[1];
                assertThat(meta.getLong("seq")).isEqualTo(3);
                assertThat(Long.parseLong(meta.getString("id"))).isGreaterThan(Long.parseLong(damagedId));
                // nothing else was announced: not on the subscriber's @sub channel
                assertThat(events)
                        .filteredOn(e -> e[0].equals("courier:continuity-lost"))
                        .hasSize(1);
            }
        }
    }

    /** Flips a byte of the newest message's payload in the store's last segment. */
    private static void damage(Path queues) throws Exception {
        Path segment;
        try (Stream<Path> files = Files.list(queues)) {
            segment = files.filter(p -> p.toString().endsWith(".seg"))
                    .sorted()
                    .reduce((a, b) -> b)
                    .orElseThrow();
        }
        byte[] file = Files.readAllBytes(segment);
        int at = new String(file, StandardCharsets.ISO_8859_1).lastIndexOf(MARKER);
        assertThat(at).as("the message in %s", segment).isPositive();
        file[at + 3] ^= 0x01;
        Files.write(segment, file);
    }
}
