package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.JavaClients;
import io.courier.interop.support.ServerProcess;
import io.socket.client.Ack;
import io.socket.client.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.json.JSONObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kill -9 mid-stream: stock npm clients publish and consume a durable channel on the
 * standalone server, with one official Java client (2.1.2) subscriber next to them, while the server is killed with
 * SIGKILL and restarted on the same data directory, five times per seed.
 * Every publish the server acknowledged reaches every subscriber; nothing is delivered that was not published, and
 * each publisher's messages arrive in order. Duplicates (at-least-once) and publishes with an unknown outcome that
 * were stored anyway are counted and reported, not failures. A kill in the middle of a write can leave a torn record
 * of a publish that was never acknowledged: the server announces its seq lost ({@code courier:continuity-lost}) instead
 * of handing it out again; such an announcement is fine, one that covers an acknowledged publish is a failure.
 *
 * <p>{@code -Dr1.cycles}, {@code -Dr1.subscribers} change the size (CI runs the defaults: 5 cycles, 20 subscribers).
 */
class DurableKillNineIT {
    @TempDir
    Path data;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {7, 1234})
    void acknowledgedPublishesSurviveKillDashNine(int seed) throws Exception {
        int cycles = Integer.getInteger("r1.cycles", 5);
        AtomicInteger kills = new AtomicInteger();
        AtomicReference<Throwable> restartFailure = new AtomicReference<>();
        try (ServerProcess server = new ServerProcess(data);
                JavaClients java = new JavaClients(server.port())) {
            // a Java client 2.1.2 subscriber next to the Node ones; it reconnects by itself after each kill
            Set<String> javaKeys = ConcurrentHashMap.newKeySet();
            AtomicInteger javaDeliveries = new AtomicInteger();
            Socket javaSubscriber = java.connect("/", o -> {
                o.reconnection = true;
                o.reconnectionDelay = 100;
                o.reconnectionDelayMax = 500;
                o.auth = Map.of("clientId", "java-sub-" + seed);
            });
            javaSubscriber.on("tick", args -> {
                javaKeys.add(((JSONObject) args[0]).optString("key"));
                javaDeliveries.incrementAndGet();
                ((Ack) args[args.length - 1]).call();
            });
            // a kill in the middle of a write can leave a torn, never acknowledged publish: announced, not reused
            javaSubscriber.on("courier:continuity-lost", args -> ((Ack) args[args.length - 1]).call());
            CompletableFuture<Object[]> subscribed = new CompletableFuture<>();
            javaSubscriber.emit("subscribe", new Object[] {"chaos"}, (Ack) subscribed::complete);
            assertThat(subscribed.get(10, TimeUnit.SECONDS)[0].toString()).contains("\"ok\":true");

            ClientScript.Result r = ClientScript.of("durable-chaos.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", "websocket")
                    .env("SEED", String.valueOf(seed))
                    .env("CYCLES", String.valueOf(cycles))
                    .env("SUBSCRIBERS", Integer.getInteger("r1.subscribers", 20).toString())
                    .env("PUBLISHERS", "3")
                    .timeout(Duration.ofMinutes(4))
                    .onPhase(phase -> {
                        if (phase.path("phase").asText().equals("kill")) {
                            try {
                                server.killNine();
                                kills.incrementAndGet();
                                server.start();
                            } catch (Throwable t) {
                                restartFailure.compareAndSet(null, t);
                            }
                        }
                    })
                    .run();
            assertThat(restartFailure.get()).isNull();
            assertThat(r.ok()).as(r.describe()).isTrue();
            System.out.printf(
                    "R1 seed %d: %d kills, %s%n", seed, kills.get(), r.result().toString());
            assertThat(kills.get()).isEqualTo(cycles);
            assertThat(r.result().path("acked").asInt()).isPositive();
            assertThat(r.result().path("lost").asInt())
                    .as("acknowledged publishes lost")
                    .isZero();
            assertThat(r.result().path("unexpected").asInt())
                    .as("deliveries never published")
                    .isZero();
            assertThat(r.result().path("reordered").asInt())
                    .as("first deliveries out of order")
                    .isZero();
            assertThat(r.result().path("announcedAcked").asInt())
                    .as("acknowledged publishes announced as lost")
                    .isZero();
        }
    }
}
