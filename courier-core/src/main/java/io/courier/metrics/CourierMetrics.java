package io.courier.metrics;

import io.courier.durable.ChannelStats;
import io.courier.durable.JournalMessageStore;
import io.courier.durable.MessageStore;
import io.courier.engine.EngineIoServer;
import io.courier.engine.EngineIoStats;
import io.courier.journal.JournalStats;
import io.courier.server.DefaultNamespace;
import io.courier.server.RuntimeStats;
import io.courier.server.SocketIoRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A server's meters for any Micrometer registry ({@code courier.metrics().bindTo(registry)}). The counters are kept
 * by the server whether or not metrics are bound ({@code internal/StripedCounters}: on an event loop, a plain add to a
 * cell of that thread's), so binding costs nothing on the hot path.
 *
 * <table>
 *   <caption>Meters (Prometheus names in parentheses)</caption>
 *   <tr><td>{@code courier.connections} ({@code courier_connections})</td><td>open Engine.IO sessions</td></tr>
 *   <tr><td>{@code courier.sockets} ({@code courier_sockets{namespace}})</td><td>connected sockets</td></tr>
 *   <tr><td>{@code courier.events.in}, {@code .out} ({@code courier_events_in_total}, ...)</td>
 *       <td>events received; events sent, per recipient</td></tr>
 *   <tr><td>{@code courier.bytes.in}, {@code .out} ({@code courier_bytes_in_bytes_total}, ...)</td>
 *       <td>Engine.IO message payload bytes</td></tr>
 *   <tr><td>{@code courier.messages.dropped} ({@code courier_messages_dropped_total})</td>
 *       <td>droppable (volatile) messages dropped</td></tr>
 *   <tr><td>{@code courier.websocket.deflated} ({@code courier_websocket_deflated_total}), {@code
 *       courier.websocket.deflated.bytes{stage=raw|wire}}, {@code courier.websocket.inflated}</td>
 *       <td>WebSocket messages sent compressed (permessage-deflate) and their size before and after; compressed
 *       messages received</td></tr>
 *   <tr><td>{@code courier.acks.pending} ({@code courier_acks_pending})</td>
 *       <td>server-to-client events waiting for their ack</td></tr>
 *   <tr><td>{@code courier.queue.depth} ({@code courier_queue_depth{channel}})</td>
 *       <td>messages a durable channel keeps; direct channels summed as {@code @direct}; beyond
 *       {@value #MAX_CHANNELS} channels the rest summed as {@code @other}</td></tr>
 *   <tr><td>{@code courier.queue.subscribers} ({@code courier_queue_subscribers{channel}})</td>
 *       <td>durable subscriptions, same rows</td></tr>
 *   <tr><td>{@code courier.store.fsync} ({@code courier_store_fsync_seconds_count}, {@code _sum}), {@code
 *       courier.store.fsync.max}</td><td>fsyncs of the durable store and their time</td></tr>
 * </table>
 *
 * <p>Per-namespace and per-channel rows are refreshed by {@link #refresh()}; call it before each scrape.
 */
public final class CourierMetrics implements MeterBinder {
    static final int MAX_CHANNELS = 1000;

    private final EngineIoServer engine;
    private final SocketIoRuntime runtime;
    private MultiGauge sockets;
    private MultiGauge depth;
    private MultiGauge subscribers;

    public CourierMetrics(EngineIoServer engine, SocketIoRuntime runtime) {
        this.engine = engine;
        this.runtime = runtime;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("courier.connections", engine, EngineIoServer::sessionCount)
                .description("open Engine.IO sessions (connections)")
                .register(registry);
        sockets = MultiGauge.builder("courier.sockets")
                .description("connected sockets per namespace")
                .register(registry);
        RuntimeStats stats = runtime.stats();
        FunctionCounter.builder("courier.events.in", stats, RuntimeStats::eventsIn)
                .description("events received from clients")
                .register(registry);
        FunctionCounter.builder("courier.events.out", stats, RuntimeStats::eventsOut)
                .description("events sent to clients, per recipient")
                .register(registry);
        Gauge.builder("courier.acks.pending", stats, RuntimeStats::acksPending)
                .description("server-to-client events waiting for the client's ack")
                .register(registry);
        EngineIoStats io = engine.stats();
        FunctionCounter.builder("courier.bytes.in", io, EngineIoStats::bytesIn)
                .baseUnit("bytes")
                .description("Engine.IO message payload bytes received")
                .register(registry);
        FunctionCounter.builder("courier.bytes.out", io, EngineIoStats::bytesOut)
                .baseUnit("bytes")
                .description("Engine.IO message payload bytes sent")
                .register(registry);
        FunctionCounter.builder("courier.websocket.deflated", io, EngineIoStats::deflatedMessages)
                .description("WebSocket messages sent compressed (permessage-deflate)")
                .register(registry);
        FunctionCounter.builder("courier.websocket.deflated.bytes", io, EngineIoStats::deflatedRawBytes)
                .baseUnit("bytes")
                .tag("stage", "raw")
                .description("bytes of the WebSocket messages sent compressed, before compression")
                .register(registry);
        FunctionCounter.builder("courier.websocket.deflated.bytes", io, EngineIoStats::deflatedWireBytes)
                .baseUnit("bytes")
                .tag("stage", "wire")
                .description("bytes of the WebSocket messages sent compressed, as sent")
                .register(registry);
        FunctionCounter.builder("courier.websocket.inflated", io, EngineIoStats::inflatedMessages)
                .description("compressed WebSocket messages received")
                .register(registry);
        FunctionCounter.builder("courier.messages.dropped", io, EngineIoStats::dropped)
                .description("droppable (volatile) messages dropped because the transport could not take them")
                .register(registry);
        MessageStore store = runtime.durableStore();
        if (store != null) {
            depth = MultiGauge.builder("courier.queue.depth")
                    .description("messages a durable channel keeps for its subscribers")
                    .register(registry);
            subscribers = MultiGauge.builder("courier.queue.subscribers")
                    .description("durable subscriptions to a channel")
                    .register(registry);
            if (store instanceof JournalMessageStore journal) {
                JournalStats js = journal.journal().stats();
                FunctionTimer.builder(
                                "courier.store.fsync",
                                js,
                                JournalStats::fsyncs,
                                JournalStats::fsyncNanos,
                                TimeUnit.NANOSECONDS)
                        .description("fsyncs of the durable store")
                        .register(registry);
                Gauge.builder("courier.store.fsync.max", js, s -> s.maxFsyncNanos() / 1e9)
                        .baseUnit("seconds")
                        .description("the longest fsync of the durable store")
                        .register(registry);
            }
        }
        refresh();
    }

    /** Updates the per-namespace and per-channel rows. */
    public void refresh() {
        if (sockets == null) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (DefaultNamespace ns : runtime.namespaces()) {
            rows.add(MultiGauge.Row.of(
                    Tags.of("namespace", ns.name()), ns.sockets().size()));
        }
        sockets.register(rows, true);
        MessageStore store = runtime.durableStore();
        if (store == null || depth == null) {
            return;
        }
        TreeMap<String, long[]> byChannel = new TreeMap<>();
        for (ChannelStats c : store.channels()) {
            String key = c.channel().startsWith("@") ? "@direct" : c.channel();
            if (!byChannel.containsKey(key) && byChannel.size() >= MAX_CHANNELS) {
                key = "@other";
            }
            long[] sum = byChannel.computeIfAbsent(key, k -> new long[2]);
            sum[0] += c.messages();
            sum[1] += c.subscribers();
        }
        List<MultiGauge.Row<?>> depthRows = new ArrayList<>();
        List<MultiGauge.Row<?>> subscriberRows = new ArrayList<>();
        byChannel.forEach((channel, sum) -> {
            depthRows.add(MultiGauge.Row.of(Tags.of("channel", channel), sum[0]));
            subscriberRows.add(MultiGauge.Row.of(Tags.of("channel", channel), sum[1]));
        });
        depth.register(depthRows, true);
        subscribers.register(subscriberRows, true);
    }
}
