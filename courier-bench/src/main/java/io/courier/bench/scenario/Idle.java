package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.client.LoadGen;
import io.courier.bench.client.WsConnection;
import io.courier.bench.client.WsListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Idle WebSocket connections on a fresh server (PERFORMANCE.md "idle"): 1,000 warm-up connections opened and closed,
 * full GC, RSS and heap; then 10,000 connections with 200 handshakes in flight over several 127.0.0.x source
 * addresses; settle 1.5 s; full GC; RSS and heap again; then 9,000 more the same way, measured again at 19,000. Per
 * connection at each size: RSS and live heap (JVMs, {@code jcmd GC.heap_info} after {@code GC.run}) above the first
 * reading, server CPU per connect, and the time to connect all (at 19,000: the first 10,000's time plus the next
 * 9,000's). One server for both sizes, not a fresh one each: a server start, its warm-up connections and 10,000
 * connects fewer per server and round. 19,000 is the most: the load generator and the server each hold one descriptor
 * per connection under a per-process limit of 20,000.
 */
public final class Idle implements Scenario {
    /** The sizes measured, in order, on the same server; each names its metrics ({@code idle10k.rss_kib}). */
    static final int[] SIZES = {10_000, 19_000};

    @Override
    public String id() {
        return "idle";
    }

    @Override
    public String description() {
        return "10,000 idle WebSocket connections on a fresh server, then 9,000 more (19,000)";
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
        List<WsConnection> all = new ArrayList<>();
        double seconds = 0;
        CpuMeter.Sample cpu = null;
        try {
            for (int size : SIZES) {
                CpuMeter meter = run.cpu(peer);
                LoadGen.Connected more = lg.connect(peer.port, size - all.size(), 200, null, quiet)
                        .get(120, TimeUnit.SECONDS);
                CpuMeter.Sample c = meter.stop();
                all.addAll(more.connections());
                cpu = cpu == null ? c : cpu.plus(c);
                seconds += more.nanos() / 1e9;
                run.progress(String.format("connected %,d in %.2f s", size, seconds));
                Thread.sleep(1500);
                peer.fullGc();
                report(run, size, seconds, cpu, rss0, peer.rssKiB(), heap0, peer.heapUsedKiB());
                long alive = lg.call(() -> all.stream()
                        .filter(WsConnection::connected)
                        .filter(x -> x.channel().isActive())
                        .count());
                if (alive != size) {
                    run.progress("WARNING: only " + alive + " of " + size + " connections still open");
                }
            }
        } finally {
            new LoadGen.Connected(all, 0).closeAll();
        }
    }

    /** The metrics of {@code size} connections, under {@code idle10k.}, {@code idle19k.}. */
    private static void report(
            Run run, int size, double seconds, CpuMeter.Sample c, long rss0, long rss1, long heap0, long heap1) {
        String p = "idle" + size / 1000 + "k";
        run.metric(p + ".connect_s", seconds);
        run.metric(p + ".connects_per_s", size / seconds);
        run.metric(p + ".cpu_us", c.serverSeconds() * 1e6 / size);
        run.metric(p + ".rss_kib", (double) (rss1 - rss0) / size);
        run.metric(p + ".rss_mib", rss1 / 1024.0);
        if (heap0 >= 0 && heap1 >= 0) {
            run.metric(p + ".heap_kib", (double) (heap1 - heap0) / size);
        }
        run.progress(String.format(
                "%,d: RSS %.2f KiB/conn (%d → %d MiB)%s, %.0f µs server CPU/connect",
                size,
                (double) (rss1 - rss0) / size,
                rss0 / 1024,
                rss1 / 1024,
                heap0 >= 0 ? String.format(", live heap %.2f KiB/conn", (double) (heap1 - heap0) / size) : "",
                c.serverSeconds() * 1e6 / size));
    }
}
