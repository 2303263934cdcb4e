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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
    static void mount(Courier io) {
        mount(io, List.of(), List.of());
    }

    /**
     * Mounts {@code /metrics} on {@code io} (before it starts).
     *
     * @param tokens the bearer tokens that may scrape (the metrics token, the API key); empty: open to anyone
     * @param more other meters to show (the cluster's health)
     */
    @SuppressWarnings("resource") // JvmGcMetrics lives as long as the process
    static void mount(Courier io, List<String> tokens, List<? extends MeterBinder> more) {
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
        // a scrape walks every meter: off the event loop
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
                        : CompletableFuture.supplyAsync(
                                () -> {
                                    metrics.refresh();
                                    return new HttpResponse(
                                            200,
                                            CONTENT_TYPE,
                                            registry.scrape().getBytes(StandardCharsets.UTF_8),
                                            Map.of());
                                },
                                task -> Thread.ofVirtual().start(task)));
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
