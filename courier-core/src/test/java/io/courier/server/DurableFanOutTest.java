package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.Courier;
import io.courier.DurableQueues.Published;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durable fan-out when publishes complete faster than the lanes fan them out (a lane then takes the messages
 * stored meanwhile in one task, {@code DurableDelivery.FanOuts}): with publishers on four threads, many publishes in
 * flight, two channels and three online identities, every identity gets every message of each channel once and in
 * seq order. Real journal store, real WebSocket clients on loopback; the waits only guard against hangs.
 */
class DurableFanOutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CHANNELS = List.of("north", "south");
    private static final List<String> IDENTITIES = List.of("driver-1", "driver-2", "driver-3");
    private static final int THREADS = 4;
    private static final int PER_THREAD = 150; // per channel

    @TempDir
    Path data;

    private Courier io;

    @AfterEach
    void close() {
        if (io != null) {
            io.close();
        }
    }

    @Test
    void messagesStoredWhileTheLanesAreBusyReachEveryIdentityOnceAndInOrder() throws Exception {
        io = Courier.create(c -> c.host("127.0.0.1").port(0).durableQueues(d -> d.directory(data)));
        io.start();
        for (String id : IDENTITIES) {
            for (String channel : CHANNELS) {
                io.durable().subscribe(id, channel).get(10, TimeUnit.SECONDS);
            }
        }
        List<WireClient> clients = new ArrayList<>();
        ExecutorService publishers = Executors.newFixedThreadPool(THREADS);
        try {
            for (String id : IDENTITIES) {
                WireClient client = WireClient.open(io.port());
                clients.add(client);
                client.connect("{\"clientId\":\"" + id + "\"}");
            }
            // every publish of a thread in flight at once: the journal completes them in batches
            List<Future<List<CompletableFuture<Published>>>> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(publishers.submit(() -> {
                    List<CompletableFuture<Published>> published = new ArrayList<>();
                    for (int i = 0; i < PER_THREAD; i++) {
                        for (String channel : CHANNELS) {
                            published.add(io.durable().publish(channel, "item", channel + "-" + thread + "-" + i));
                        }
                    }
                    return published;
                }));
            }
            for (Future<List<CompletableFuture<Published>>> thread : threads) {
                for (CompletableFuture<Published> p : thread.get(30, TimeUnit.SECONDS)) {
                    p.get(30, TimeUnit.SECONDS);
                }
            }
            int perChannel = THREADS * PER_THREAD;
            for (int c = 0; c < clients.size(); c++) {
                Map<String, Long> lastSeq = new HashMap<>();
                Map<String, Set<String>> payloads = new HashMap<>();
                for (int n = 0; n < perChannel * CHANNELS.size(); n++) {
                    String packet = clients.get(c).next();
                    assertThat(packet).as("a delivery").startsWith("42");
                    int bracket = packet.indexOf('[');
                    JsonNode args = JSON.readTree(packet.substring(bracket));
                    String channel = args.get(2).get("channel").asText();
                    long seq = args.get(2).get("seq").asLong();
                    assertThat(seq)
                            .as("%s, %s: the next seq, once", IDENTITIES.get(c), channel)
                            .isEqualTo(lastSeq.getOrDefault(channel, 0L) + 1);
                    lastSeq.put(channel, seq);
                    assertThat(args.get(1).asText()).startsWith(channel + "-");
                    payloads.computeIfAbsent(channel, k -> new HashSet<>())
                            .add(args.get(1).asText());
                    clients.get(c).send("43" + packet.substring(2, bracket) + "[]");
                }
                for (String channel : CHANNELS) {
                    assertThat(payloads.get(channel))
                            .as("%s, %s: every message", IDENTITIES.get(c), channel)
                            .hasSize(perChannel);
                }
            }
        } finally {
            publishers.shutdownNow();
            clients.forEach(WireClient::close);
        }
    }
}
