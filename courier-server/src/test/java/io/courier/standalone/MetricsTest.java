package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.courier.Courier;
import io.micrometer.core.instrument.Gauge;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: what a scrape allocates, and the bound on scrapes waiting for the one in progress. */
class MetricsTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    /**
     * One scrape of the hub's meters allocates in proportion to its output (~7 KB of text: a few hundred KB), not
     * tens of MB. Measured on the thread that scrapes, after warm-up scrapes: it does nothing else.
     */
    @Test
    void aScrapeAllocatesInProportionToItsOutput() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Launched hub = Main.launch(
                List.of("--port", "0", "--data", data.toString()),
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(hub.server()).as("exit %s: %s", hub.exitCode(), err).isNotNull();
        try (AutoCloseable server = hub.server()) {
            Matcher listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) ")
                    .matcher(out.toString(StandardCharsets.UTF_8));
            assertThat(listening.find())
                    .as(out.toString(StandardCharsets.UTF_8))
                    .isTrue();
            int port = Integer.parseInt(listening.group(1));
            ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 20; i++) { // class loading, the registry's caches
                assertThat(get(port, "/metrics").body()).contains("courier_connections");
            }
            List<Long> allocated = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Map<Long, Long> before = scraperAllocatedBytes(threads);
                HttpResponse<String> scrape = get(port, "/metrics");
                Map<Long, Long> after = scraperAllocatedBytes(threads);
                assertThat(scrape.statusCode()).isEqualTo(200);
                assertThat(after).as("the scraping thread").isNotEmpty();
                long bytes = 0;
                for (Map.Entry<Long, Long> e : after.entrySet()) {
                    bytes += e.getValue() - before.getOrDefault(e.getKey(), 0L);
                }
                allocated.add(bytes);
            }
            // about 0.3 MB each; 22 MB when the scrape ran on a virtual thread
            assertThat(allocated).allSatisfy(bytes -> assertThat(bytes).isLessThan(4L << 20));
        }
    }

    /** Scrapes wait for the one in progress, up to a bound; one more is answered 503 at once. */
    @Test
    void scrapesBeyondTheBoundAreRefused() throws Exception {
        CountDownLatch scraping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        boolean[] blocked = {true};
        try (Courier io = Courier.create(c -> c.port(0))) {
            Metrics.Scraper scraper =
                    Metrics.mount(io, List.of(), List.of(registry -> Gauge.builder("test.blocking", () -> {
                                if (blocked[0]) {
                                    blocked[0] = false;
                                    scraping.countDown();
                                    await(release);
                                }
                                return 1;
                            })
                            .register(registry)));
            io.start();
            CompletableFuture<HttpResponse<String>> first = getAsync(io.port());
            await(scraping);
            List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
            for (int i = 0; i < Metrics.Scraper.MAX_WAITING; i++) {
                waiting.add(getAsync(io.port()));
                int queued = i + 1;
                eventually(() -> scraper.waiting() == queued);
            }
            HttpResponse<String> refused = get(io.port(), "/metrics");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).body()).contains("test_blocking 1.0");
            for (CompletableFuture<HttpResponse<String>> w : waiting) {
                assertThat(w.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(get(io.port(), "/metrics").statusCode()).isEqualTo(200);
        }
    }

    /** The allocated bytes of each live scraping thread, by thread id. */
    private static Map<Long, Long> scraperAllocatedBytes(ThreadMXBean threads) {
        Map<Long, Long> out = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(Metrics.Scraper.THREAD_NAME)) {
                long bytes = threads.getThreadAllocatedBytes(t.threadId());
                if (bytes >= 0) {
                    out.put(t.threadId(), bytes);
                }
            }
        }
        return out;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> getAsync(int port) {
        return http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("not within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls a condition that a background action makes true (no timing is asserted: 30 s is a hang guard). */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the condition did not hold within 30 s");
            }
            Thread.sleep(10);
        }
    }
}
