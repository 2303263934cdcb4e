package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.client.LoadGen;
import io.courier.bench.client.WsConnection;
import io.courier.bench.client.WsListener;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Idle WebSocket connections on a fresh server (PERFORMANCE.md "idle"): 1,000 warm-up connections opened and closed,
 * full GC, RSS and heap; then N connections with 200 handshakes in flight over several 127.0.0.x source addresses;
 * settle 1.5 s; full GC; RSS and heap again. Per connection: RSS, live heap (JVMs, {@code jcmd GC.heap_info} after
 * {@code GC.run}), server CPU per connect, and the time to connect all. N is at most 19,000: the load generator and the
 * server each hold one descriptor per connection under a per-process limit of 20,000.
 */
public final class Idle implements Scenario {
    private final int connections;

    public Idle(int connections) {
        this.connections = connections;
    }

    @Override
    public String id() {
        return "idle" + (connections % 1000 == 0 ? connections / 1000 + "k" : Integer.toString(connections));
    }

    @Override
    public String description() {
        return String.format("%,d idle WebSocket connections on a fresh server", connections);
    }

    @Override
    public void run(Run run) throws Exception {
        PeerProcess peer = run.start(List.of());
        LoadGen lg = run.loadGen();
        WsListener quiet = c -> {};
        LoadGen.Connected warm = lg.connect(peer.port, 1000, 200, null, quiet).get(60, TimeUnit.SECONDS);
        warm.closeAll();
        Thread.sleep(500);
        peer.fullGc();
        long rss0 = peer.rssKiB();
        long heap0 = peer.heapUsedKiB();
        CpuMeter cpu = run.cpu(peer);
        LoadGen.Connected all =
                lg.connect(peer.port, connections, 200, null, quiet).get(120, TimeUnit.SECONDS);
        CpuMeter.Sample c = cpu.stop();
        try {
            double seconds = all.nanos() / 1e9;
            run.progress(String.format("connected %,d in %.2f s", connections, seconds));
            Thread.sleep(1500);
            peer.fullGc();
            long rss1 = peer.rssKiB();
            long heap1 = peer.heapUsedKiB();
            String p = id();
            run.metric(p + ".connect_s", seconds);
            run.metric(p + ".connects_per_s", connections / seconds);
            run.metric(p + ".cpu_us", c.serverSeconds() * 1e6 / connections);
            run.metric(p + ".rss_kib", (double) (rss1 - rss0) / connections);
            run.metric(p + ".rss_mib", rss1 / 1024.0);
            if (heap0 >= 0 && heap1 >= 0) {
                run.metric(p + ".heap_kib", (double) (heap1 - heap0) / connections);
            }
            long alive = lg.call(() -> all.connections().stream()
                    .filter(WsConnection::connected)
                    .filter(x -> x.channel().isActive())
                    .count());
            if (alive != connections) {
                run.progress("WARNING: only " + alive + " of " + connections + " connections still open");
            }
            run.progress(String.format(
                    "RSS %.2f KiB/conn (%d → %d MiB)%s, %.0f µs server CPU/connect",
                    (double) (rss1 - rss0) / connections,
                    rss0 / 1024,
                    rss1 / 1024,
                    heap0 >= 0
                            ? String.format(", live heap %.2f KiB/conn", (double) (heap1 - heap0) / connections)
                            : "",
                    c.serverSeconds() * 1e6 / connections));
        } finally {
            all.closeAll();
        }
    }
}
