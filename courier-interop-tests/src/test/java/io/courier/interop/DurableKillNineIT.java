package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.NodeScript;
import io.courier.interop.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R1, kill -9 mid-stream (RELIABILITY.md 2.4): stock npm clients publish and consume a durable channel on the
 * standalone server while it is killed with SIGKILL and restarted on the same data directory, five times per seed.
 * Every publish the server acknowledged reaches every subscriber; nothing is delivered that was not published, and
 * each publisher's messages arrive in order. Duplicates (at-least-once) and publishes with an unknown outcome that
 * were stored anyway are counted and reported, not failures.
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
        try (ServerProcess server = new ServerProcess(data)) {
            NodeScript.Result r = NodeScript.of("durable-chaos.js")
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
        }
    }
}
