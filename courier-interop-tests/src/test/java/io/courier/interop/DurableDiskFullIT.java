package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.Tmpfs;
import io.courier.standalone.ConformanceServer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R7, disk full, with the stock client: the durable store on a 4 MiB tmpfs that a filler file leaves almost full.
 * Publishes are refused with an explicit error (never acknowledged), the server keeps serving what it stored, and
 * publishing works again once space comes back. Skipped (with the reason) where a tmpfs cannot be mounted.
 */
@Tag("mounts-tmpfs")
class DurableDiskFullIT {
    @TempDir
    Path root;

    @Test
    void publishesAreRefusedWhileTheDiskIsFullAndNothingStoredIsLost() throws Exception {
        try (Tmpfs disk = Tmpfs.mount(root.resolve("disk"), "4m")) {
            Path filler = disk.path().resolve("filler");
            try (OutputStream out = Files.newOutputStream(filler)) {
                out.write(new byte[3 << 20]); // leaves about 1 MiB for the store
            }
            AtomicReference<Throwable> freeFailure = new AtomicReference<>();
            try (ConformanceServer server = ConformanceServer.startDurable(
                    "127.0.0.1", 0, d -> d.directory(disk.path().resolve("queues")))) {
                ClientScript.Result r = ClientScript.of("durable-diskfull.js")
                        .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                        .env("COURIER_TRANSPORTS", "websocket")
                        .timeout(Duration.ofSeconds(60))
                        .onPhase(phase -> {
                            try {
                                Files.delete(filler);
                            } catch (Exception e) {
                                freeFailure.set(e);
                            }
                        })
                        .run();
                assertThat(freeFailure.get()).isNull();
                assertThat(r.ok()).as(r.describe()).isTrue();
                assertThat(r.result().path("acked").asInt()).isPositive();
            }
        }
    }
}
