package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.Courier;
import io.courier.interop.support.ClientScript;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R6: the stock npm client with {@code retries: 3, ackTimeout: 500} against a server with deduplication (and
 * connection state recovery) on. Each retry of socket.io-client 4.8.4 carries a new ack id, so the events are
 * recognized by their {@code idempotencyKey}. The "order" handler counts its runs per key and, for keys starting with
 * "slow-", holds its reply until the scenario reports that the client has sent that key a second time (see
 * {@code retries.js}).
 */
class RetriesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Courier io;
    private final AtomicInteger invocations = new AtomicInteger();
    private final Map<String, AtomicInteger> runsByKey = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> firstReplies = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> releases = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        io = Courier.create(c ->
                c.host("127.0.0.1").port(0).connectionStateRecovery(r -> {}).deduplication(d -> {}));
        io.onConnection(socket -> {
            socket.emit("welcome");
            socket.on("order", (args, ack) -> {
                String key = args.get(0).path("idempotencyKey").asText();
                runsByKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                ObjectNode reply = JSON.createObjectNode()
                        .put("key", key)
                        .put("invocation", invocations.incrementAndGet())
                        .put("item", args.get(0).path("item").asText());
                firstReplies.putIfAbsent(key, reply);
                if (key.startsWith("slow-")) {
                    socket.emit("received", key);
                    release(key).thenRun(() -> ack.reply(reply)); // from the thread that releases it
                } else {
                    ack.reply(reply);
                }
            });
        });
        io.start();
    }

    @AfterEach
    void stop() {
        releases.values().forEach(r -> r.complete(null));
        io.close();
    }

    private CompletableFuture<Void> release(String key) {
        return releases.computeIfAbsent(key, k -> new CompletableFuture<>());
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void eachRetriedEventRunsOnceAndEveryAckGetsTheFirstReply(String mode) throws Exception {
        ClientScript.Result r = ClientScript.of("retries.js")
                .env("COURIER_URL", "http://127.0.0.1:" + io.port())
                .env("COURIER_TRANSPORTS", mode)
                .timeout(Duration.ofSeconds(60))
                .onPhase(phase -> {
                    if (phase.path("phase").asText().equals("retried")) {
                        release(phase.path("key").asText()).complete(null);
                    }
                })
                .run();

        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(runsByKey)
                .as("handler runs per idempotency key")
                .containsOnlyKeys("slow-a", "b", "c", "slow-r")
                .allSatisfy((key, runs) -> assertThat(runs).as(key).hasValue(1));
        JsonNode sends = r.result().path("sends");
        assertThat(sends.path("slow-a").asInt())
                .as("slow-a sent (first + retries)")
                .isGreaterThanOrEqualTo(2);
        assertThat(sends.path("slow-r").asInt())
                .as("slow-r sent (before + after the drop)")
                .isGreaterThanOrEqualTo(2);
        JsonNode replies = r.result().path("replies");
        for (String key : List.of("slow-a", "b", "c", "slow-r")) {
            assertThat(replies.path(key))
                    .as("ack callbacks of %s: each got the handler's one reply\n%s", key, r.describe())
                    .isNotEmpty()
                    .allSatisfy(reply ->
                            assertThat(reply).isEqualTo(JSON.createArrayNode().add(firstReplies.get(key))));
        }
        assertThat(replies.path("b"))
                .as("b was emitted twice by the application")
                .hasSize(2);
    }
}
