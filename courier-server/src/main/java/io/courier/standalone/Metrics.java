package io.courier.standalone;

import io.courier.Courier;
import io.courier.http.HttpResponse;
import io.courier.metrics.CourierMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics}: the server's meters ({@link CourierMetrics}) and the JVM's, in the Prometheus text format.
 *
 * <p>They name channels and say who is connected: with an API key or a metrics token configured, a scrape needs
 * {@code Authorization: Bearer <metrics token or API key>} (401 otherwise), unless the metrics are made public.
 */
final class Metrics {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private Metrics() {}

    /** Open to anyone; only for tests and the embedded case. */
    static Scraper mount(Courier io) {
        return mount(io, List.of(), List.of());
    }

    /**
     * Mounts {@code /metrics} on {@code io} (before it starts).
     *
     * @param tokens the bearer tokens that may scrape (the metrics token, the API key); empty: open to anyone
     * @param more other meters to show (the cluster's health)
     */
    @SuppressWarnings("resource") // JvmGcMetrics lives as long as the process
    static Scraper mount(Courier io, List<String> tokens, List<? extends MeterBinder> more) {
        List<byte[]> allowed = tokens.stream()
                .filter(Objects::nonNull)
                .map(t -> t.getBytes(StandardCharsets.UTF_8))
                .toList();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CourierMetrics metrics = io.metrics();
        metrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        more.forEach(binder -> binder.bindTo(registry));
        Scraper scraper = new Scraper(metrics, registry);
        io.route(
                "/metrics",
                0,
                request -> !authorized(allowed, request.header("authorization"))
                        ? CompletableFuture.completedFuture(new HttpResponse(
                                401,
                                "text/plain; charset=utf-8",
                                "missing or wrong token: send Authorization: Bearer <metrics token or API key>\n"
                                        .getBytes(StandardCharsets.UTF_8),
                                Map.of("WWW-Authenticate", "Bearer realm=\"courier metrics\"")))
                        : scraper.scrape());
        return scraper;
    }

    /**
     * Scrapes on one platform thread ({@value #THREAD_NAME}), one scrape at a time, at most {@value #MAX_WAITING}
     * waiting (503 beyond): off the event loop, since a scrape walks every meter. Not on a virtual thread: the
     * Prometheus text writer writes through a {@code java.io.BufferedWriter}, which on a virtual thread starts at 512
     * chars and grows by each write's length, so writing the ~7 KB exposition char by char copied its buffer
     * thousands of times (about 22 MB allocated per scrape). On a platform thread it is 8 KiB from the start, and a
     * scrape allocates a few hundred KB, in proportion to the meters it writes.
     */
    static final class Scraper {
        static final String THREAD_NAME = "courier-metrics";
        static final int MAX_WAITING = 4;

        private final CourierMetrics metrics;
        private final PrometheusMeterRegistry registry;
        private final ThreadPoolExecutor thread;
        private volatile int lastSize = 8192;

        Scraper(CourierMetrics metrics, PrometheusMeterRegistry registry) {
            this.metrics = metrics;
            this.registry = registry;
            // no thread while nobody scrapes: it ends after a minute without work
            this.thread = new ThreadPoolExecutor(
                    1, 1, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(MAX_WAITING), task -> Thread.ofPlatform()
                            .name(THREAD_NAME)
                            .daemon()
                            .unstarted(task));
            thread.allowCoreThreadTimeOut(true);
        }

        CompletableFuture<HttpResponse> scrape() {
            try {
                return CompletableFuture.supplyAsync(this::scrapeHere, thread);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.completedFuture(new HttpResponse(
                        503,
                        "text/plain; charset=utf-8",
                        "too many scrapes at once; try again\n".getBytes(StandardCharsets.UTF_8),
                        Map.of("Retry-After", "1")));
            }
        }

        /** Scrapes waiting for the one in progress. */
        int waiting() {
            return thread.getQueue().size();
        }

        private HttpResponse scrapeHere() {
            metrics.refresh();
            ByteArrayOutputStream out = new ByteArrayOutputStream(lastSize + 1024);
            try {
                registry.scrape(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
            }
            lastSize = out.size();
            return new HttpResponse(200, CONTENT_TYPE, out.toByteArray(), Map.of());
        }
    }

    private static boolean authorized(List<byte[]> allowed, String header) {
        if (allowed.isEmpty()) {
            return true;
        }
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] token : allowed) {
            ok |= MessageDigest.isEqual(token, given); // every token compared: no early exit
        }
        return ok;
    }
}
