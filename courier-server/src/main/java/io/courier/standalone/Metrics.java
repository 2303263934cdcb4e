package io.courier.standalone;

import io.courier.Courier;
import io.courier.metrics.CourierMetrics;
import io.courier.netty.CourierHttpServer;
import io.courier.netty.HttpRoute.Reply;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code GET /metrics}: the server's meters ({@link CourierMetrics}) and the JVM's, in the Prometheus text format. */
final class Metrics {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private Metrics() {}

    @SuppressWarnings("resource") // JvmGcMetrics lives as long as the process
    static void mount(CourierHttpServer http, Courier io) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CourierMetrics metrics = io.metrics();
        metrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        // a scrape walks every meter: off the event loop
        http.route(
                "/metrics",
                0,
                call -> CompletableFuture.supplyAsync(
                        () -> {
                            metrics.refresh();
                            return new Reply(
                                    200, CONTENT_TYPE, registry.scrape().getBytes(StandardCharsets.UTF_8), Map.of());
                        },
                        task -> Thread.ofVirtual().start(task)));
    }
}
