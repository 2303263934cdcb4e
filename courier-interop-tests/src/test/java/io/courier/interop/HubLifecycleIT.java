package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone hub's lifecycle: SIGTERM stops it gracefully (clients are told to go and reconnect by themselves to
 * the next process, the store is flushed, so nothing acknowledged comes again), and it logs one line per lifecycle
 * event, never one per message.
 */
class HubLifecycleIT {
    @TempDir
    Path data;

    @Test
    void sigtermStopsGracefullyAndTheQueueCarriesOnInTheNextProcess() throws Exception {
        try (ServerProcess server = new ServerProcess(data)) {
            AtomicInteger exitCode = new AtomicInteger(-1);
            AtomicReference<Throwable> restartFailure = new AtomicReference<>();
            ClientScript.Result r = ClientScript.of("durable.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", "websocket")
                    .env("COURIER_RESTART", "1")
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(phase -> {
                        try {
                            exitCode.set(server.stop());
                            server.start();
                        } catch (Throwable t) {
                            restartFailure.set(t);
                        }
                    })
                    .run();
            assertThat(restartFailure.get()).isNull();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(exitCode.get()).as("exit code after SIGTERM").isIn(0, 143);
            assertThat(r.result().path("duplicates").asInt())
                    .as("cursors saved at the graceful stop")
                    .isZero();

            List<String> info =
                    server.output().stream().filter(l -> l.contains(" INFO ")).toList();
            assertThat(info).anyMatch(l -> l.contains("event=connect") && l.contains("clientId=driver-1"));
            assertThat(info).anyMatch(l -> l.contains("event=disconnect") && l.contains("clientId=driver-1"));
            assertThat(info).anyMatch(l -> l.contains("event=subscribe clientId=driver-1 channel=parcels"));
            // 35 publishes and deliveries went through: none of them has an INFO line
            assertThat(info).noneMatch(l -> l.contains("parcel") && !l.contains("event=subscribe"));
            assertThat(info.size()).as(String.join("\n", info)).isLessThan(35);
        }
    }
}
