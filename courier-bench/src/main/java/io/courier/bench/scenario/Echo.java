package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import io.courier.bench.client.Latencies;
import io.courier.bench.client.LoadGen;
import io.courier.bench.client.Payloads;
import io.courier.bench.client.WsConnection;
import io.courier.bench.client.WsListener;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Echo with ack from 100 WebSocket clients in a closed loop ({@code 42<id>["echo",{..}]} answered by
 * {@code 43<id>[{..}]}, the next one sent when the ack arrives): 2 s warm-up, 4 s measured. Acks/s, latency (p50, p90,
 * p99, p99.9: where a server's distribution differs from the ceiling's, the body or the tail), and server CPU per ack,
 * the steady figure.
 */
public final class Echo implements Scenario {
    static final int CLIENTS = Integer.getInteger("bench.echo.clients", 100);
    /** Warm-up windows: at least two, until the server's CPU per ack settles (see {@link #warmUp}), at most this. */
    static final long WARM_UP_WINDOW_MS = 2000;

    static final long WARM_UP_MAX_MS = Long.getLong("bench.echo.warmup.max.ms", 20_000);
    /** Two consecutive warm-up windows within this of each other: the JIT compilers are done. */
    static final double SETTLED = 0.05;

    static final long MEASURE_MS = 4000;

    /** Every server, and Courier once more with its echo listener inline ({@code Socket.onInline}). */
    @Override
    public boolean supports(ServerKind server) {
        return true;
    }

    @Override
    public String id() {
        return "echo";
    }

    @Override
    public String description() {
        return CLIENTS + " clients, echo with ack in a closed loop, warm-up until the server's CPU per ack settles"
                + " (at most " + WARM_UP_MAX_MS / 1000 + " s), " + MEASURE_MS / 1000 + " s measured";
    }

    @Override
    public void run(Run run) throws Exception {
        PeerProcess peer = run.start(List.of());
        LoadGen lg = run.loadGen();
        Loop loop = new Loop();
        LoadGen.Connected clients =
                lg.connect(peer.port, CLIENTS, 200, null, loop).get(60, TimeUnit.SECONDS);
        run.progress("connected " + CLIENTS + " clients");
        try {
            lg.call(() -> {
                loop.running = true;
                for (WsConnection c : clients.connections()) {
                    loop.send(c, true);
                }
                return null;
            });
            double warmUpSeconds = warmUp(run, peer, lg, loop);
            run.metric("echo.warmup_s", warmUpSeconds);
            lg.call(() -> {
                loop.acks = 0;
                loop.latencies.clear();
                loop.measuring = true;
                loop.t0 = System.nanoTime();
                return null;
            });
            CpuMeter cpu = run.cpu(peer);
            Thread.sleep(MEASURE_MS);
            double[] r = lg.call(() -> {
                loop.measuring = false;
                double seconds = (System.nanoTime() - loop.t0) / 1e9;
                double[] p = loop.latencies.percentilesMs(50, 90, 99, 99.9);
                return new double[] {loop.acks, seconds, p[0], p[1], p[2], p[3]};
            });
            CpuMeter.Sample c = cpu.stop();
            lg.call(() -> {
                loop.running = false;
                if (loop.inFlight == 0) {
                    loop.drained.complete(null);
                }
                return null;
            });
            loop.drained.get(30, TimeUnit.SECONDS);
            double rate = r[0] / r[1];
            double perAck = c.serverSeconds() * 1e6 / r[0];
            run.metric("echo.rate", rate);
            run.metric("echo.p50", r[2]);
            run.metric("echo.p90", r[3]);
            run.metric("echo.p99", r[4]);
            run.metric("echo.p999", r[5]);
            run.metric("echo.cpu_us", perAck);
            run.metric("echo.kernel_pct", c.kernelShare() * 100);
            run.metric("echo.jit_pct", c.jitShare() * 100);
            run.metric("echo.loadgen_cpu_s", c.loadGenSeconds());
            run.metric("echo.other_cpu_s", c.otherSeconds());
            run.progress(String.format(
                    "%,.0f acks/s, %.2f µs server CPU/ack (%.0f%% kernel, %.1f%% JIT), p50 %.3f ms, p90 %.3f ms,"
                            + " p99 %.2f ms, p99.9 %.2f ms;"
                            + " load generator %.1f s CPU, others %.1f s",
                    rate,
                    perAck,
                    c.kernelShare() * 100,
                    c.jitShare() * 100,
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    c.loadGenSeconds(),
                    c.otherSeconds()));
        } finally {
            clients.closeAll();
        }
    }

    /**
     * Runs the loop in windows of {@link #WARM_UP_WINDOW_MS} until two in a row cost the server the same CPU per ack
     * (within {@link #SETTLED}): with a fixed 2 s warm-up, C2 compilation took up to a third of a JVM server's CPU in
     * the measured window, and the figure was the compiler's, not the steady per-ack cost. Returns the seconds it took.
     */
    private static double warmUp(Run run, PeerProcess peer, LoadGen lg, Loop loop) throws Exception {
        long t0 = System.nanoTime();
        double previous = Double.NaN;
        while (true) {
            long acks0 = lg.call(() -> loop.total);
            CpuMeter cpu = run.cpu(peer);
            Thread.sleep(WARM_UP_WINDOW_MS);
            long acks = lg.call(() -> loop.total) - acks0;
            double perAck = cpu.stop().serverSeconds() / Math.max(1, acks);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (Math.abs(perAck - previous) <= SETTLED * previous || seconds * 1000 >= WARM_UP_MAX_MS) {
                run.progress(String.format("warmed up in %.0f s (%.2f µs server CPU/ack)", seconds, perAck * 1e6));
                return seconds;
            }
            previous = perAck;
        }
    }

    /** The closed loop, on the event loop. */
    private static final class Loop implements WsListener {
        final Payloads out = new Payloads();
        final Latencies latencies = new Latencies();
        final CompletableFuture<Void> drained = new CompletableFuture<>();
        boolean running;
        boolean measuring;
        long acks;
        long total;
        long t0;
        int inFlight;
        long seq;

        void send(WsConnection c, boolean flush) {
            long now = System.nanoTime();
            c.startedNanos = now;
            inFlight++;
            out.event(c.nextAckId(), "echo", "", now, seq++);
            c.sendText(out.bytes(), out.length(), flush);
        }

        @Override
        public void onConnected(WsConnection c) {}

        @Override
        public void onAck(WsConnection c, int ackId, ByteBuf buf, int from, int to) {
            inFlight--;
            total++;
            if (measuring) {
                acks++;
                latencies.add(System.nanoTime() - c.startedNanos);
            }
            if (running) {
                send(c, false);
            } else if (inFlight == 0) {
                drained.complete(null);
            }
        }
    }
}
