package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.Ack;
import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.DisconnectReason;
import io.courier.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deduplication of client retries ({@code CourierConfig.deduplication}) on a real server, with packets written by hand
 * over WebSocket: a repeated ack id, a repeated idempotency key under a new ack id, the bounds, and recovery. A final
 * acknowledged {@code sync} on the same socket runs after everything sent before it (one lane per socket), so the
 * handler counts are complete when it is answered.
 */
class DeduplicationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Courier io;
    private final AtomicInteger runs = new AtomicInteger();
    private final List<String> keysRun = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Ack> parked = new CompletableFuture<>();

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
    }

    /**
     * A server with {@code options}, whose sockets handle: "order" (counts, acks {@code {"run":n}}), "slow" (counts,
     * parks its ack), "release" (answers the parked ack with "stored", then acks), "sync" (acks).
     */
    private int start(Consumer<CourierConfig.Builder> options, Consumer<Socket> more) {
        io = Courier.create(c -> {
            c.host("127.0.0.1").port(0);
            options.accept(c);
        });
        io.onConnection(socket -> {
            socket.on("order", (args, ack) -> {
                int n = runs.incrementAndGet();
                keysRun.add(String.valueOf(args.get(0).path("idempotencyKey").asText(null)));
                ack.reply(JSON.createObjectNode().put("run", n));
            });
            socket.on("slow", (args, ack) -> {
                runs.incrementAndGet();
                parked.complete(ack);
            });
            socket.on("release", (args, ack) -> {
                parked.join().reply("stored");
                ack.reply();
            });
            socket.on("sync", (args, ack) -> ack.reply());
            more.accept(socket);
        });
        io.start();
        return io.port();
    }

    private int start(Consumer<CourierConfig.Builder> options) {
        return start(options, socket -> {});
    }

    @Test
    void aRetryWithTheSameAckIdDoesNotRunTheHandlerAndGetsTheFirstReplyWhenItComes() throws Exception {
        int port = start(c -> c.deduplication(d -> {}));
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            client.send("421[\"slow\",\"x\"]").send("421[\"slow\",\"x\"]").send("422[\"release\"]");

            assertThat(List.of(client.next(), client.next(), client.next()))
                    .as("the first event's ack, the retry's ack (same id), then release's")
                    .containsExactly("431[\"stored\"]", "431[\"stored\"]", "432[]");
            assertThat(runs).hasValue(1);
        }
    }

    @Test
    void aRetryWithANewAckIdAndTheSameKeyGetsTheFirstReplyAndDistinctKeysRun() throws Exception {
        int port =
                start(c -> c.deduplication(d -> {}), socket -> socket.on("other", (args, ack) -> ack.reply("other")));
        try (WireClient client = WireClient.open(port)) {
            client.connect("");

            client.send("420[\"order\",{\"idempotencyKey\":\"k1\"}]");
            assertThat(client.next()).isEqualTo("430[{\"run\":1}]");
            client.send("421[\"order\",{\"idempotencyKey\":\"k1\"}]");
            assertThat(client.next()).as("the retry, acked under its own id").isEqualTo("431[{\"run\":1}]");
            client.send("422[\"order\",{\"idempotencyKey\":\"k2\"}]");
            assertThat(client.next()).as("another key runs").isEqualTo("432[{\"run\":2}]");
            client.send("423[\"other\",{\"idempotencyKey\":\"k1\"}]");
            assertThat(client.next()).as("a key is scoped to its event name").isEqualTo("433[\"other\"]");

            assertThat(keysRun).containsExactly("k1", "k2");
        }
    }

    @Test
    void onlyEventsWithAKeyOrAnAckIdAreDeduplicated() throws Exception {
        int port = start(c -> c.deduplication(d -> {}));
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            client.send("42[\"order\",{\"n\":1}]").send("42[\"order\",{\"n\":1}]");
            client.send("42[\"order\",{\"idempotencyKey\":\"k\"}]").send("42[\"order\",{\"idempotencyKey\":\"k\"}]");
            client.send("429[\"sync\"]");

            assertThat(client.next())
                    .as("nothing is sent for events without ack id")
                    .isEqualTo("439[]");
            assertThat(keysRun).containsExactly("null", "null", "k");
        }
    }

    @Test
    void withoutDeduplicationARepeatedPacketRunsAgain() throws Exception {
        int port = start(c -> {});
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            client.send("421[\"order\",{\"idempotencyKey\":\"k\"}]").send("421[\"order\",{\"idempotencyKey\":\"k\"}]");

            assertThat(List.of(client.next(), client.next())).containsExactly("431[{\"run\":1}]", "431[{\"run\":2}]");
        }
    }

    @Test
    void pastMaxKeysTheOldestKeyIsForgottenAndItsRetryRunsAgain() throws Exception {
        int port = start(c -> c.deduplication(d -> d.maxKeys(2)));
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            for (String key : List.of("a", "b", "c", "a", "c")) {
                client.send("42[\"order\",{\"idempotencyKey\":\"" + key + "\"}]");
            }
            client.send("429[\"sync\"]");

            assertThat(client.next()).isEqualTo("439[]");
            assertThat(keysRun)
                    .as("a was forgotten when c came; c was still known")
                    .containsExactly("a", "b", "c", "a");
        }
    }

    @Test
    void aCustomIdempotencyKeyIsUsedAndAFailingOneMeansNoKey() throws Exception {
        int port = start(c -> c.deduplication(d -> d.idempotencyKey((event, args) -> {
            if (args.get(0).has("boom")) {
                throw new IllegalStateException("extractor failed");
            }
            return args.getString(1);
        })));
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            client.send("42[\"order\",{},\"r1\"]")
                    .send("42[\"order\",{},\"r1\"]")
                    .send("42[\"order\",{},\"r2\"]");
            client.send("42[\"order\",{\"boom\":1},\"r3\"]").send("42[\"order\",{\"boom\":1},\"r3\"]");
            client.send("429[\"sync\"]");

            assertThat(client.next()).isEqualTo("439[]");
            assertThat(runs).as("r1 once, r2 once, r3 twice (no key)").hasValue(4);
        }
    }

    @Test
    void aRecoveredSocketKeepsItsKeysAndARetryGetsTheReplyOfTheHandlerThatRanBeforeTheDisconnection() throws Exception {
        CompletableFuture<DisconnectReason> firstGone = new CompletableFuture<>();
        CompletableFuture<Boolean> recovered = new CompletableFuture<>();
        AtomicInteger connections = new AtomicInteger();
        int port = start(c -> c.connectionStateRecovery(r -> {}).deduplication(d -> {}), socket -> {
            if (connections.incrementAndGet() == 1) {
                socket.onDisconnect(firstGone::complete);
                socket.emit("welcome"); // carries an offset, which the client needs to recover
            } else {
                recovered.complete(socket.recovered());
            }
        });

        String pid;
        String offset;
        try (WireClient first = WireClient.open(port)) {
            pid = JSON.readTree(first.connect("").substring(2)).path("pid").asText();
            JsonNode welcome = JSON.readTree(first.next().substring(2));
            offset = welcome.get(1).asText();
            first.send("420[\"slow\",{\"idempotencyKey\":\"k\"}]");
            parked.get(10, TimeUnit.SECONDS); // the handler ran and has not replied
        }
        assertThat(firstGone.get(10, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.TRANSPORT_CLOSE);

        try (WireClient second = WireClient.open(port)) {
            second.connect("{\"pid\":\"" + pid + "\",\"offset\":\"" + offset + "\"}");
            assertThat(recovered.get(10, TimeUnit.SECONDS)).isTrue();
            second.send("425[\"slow\",{\"idempotencyKey\":\"k\"}]").send("426[\"release\"]");

            assertThat(List.of(second.next(), second.next()))
                    .as("the retry waits for the first handler's reply, then release is acked")
                    .containsExactly("435[\"stored\"]", "436[]");
            assertThat(runs).hasValue(1);
        }
    }
}
