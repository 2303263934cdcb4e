package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parcel-delivery demo page of {@code ./courier}, clicked through in real headless Chromium (Debian's
 * {@code chromium} driven by {@code playwright-core}; {@code .ci/run} installs both), offline/online step included.
 * The screenshot lands in {@code target/demo-browser.png}. Skipped, with the reason, where Chromium is missing.
 */
class DemoBrowserIT {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    @TempDir
    Path data;

    @Test
    void driverGetsEveryPickupItMissedWhileOffline() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed (apt-get install chromium); skipped");
        Path screenshot = Path.of("target", "demo-browser.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        try (ServerProcess server = new ServerProcess(data)) {
            ClientScript.Result r = ClientScript.of("demo-browser.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("CHROMIUM", CHROMIUM.toString())
                    .env("COURIER_SCREENSHOT", screenshot.toString())
                    .timeout(Duration.ofSeconds(90))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(screenshot).exists();
        }
    }
}
