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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Echo with ack from 100 WebSocket clients per server in a closed loop ({@code 42<id>["echo",{..}]} answered by
 * {@code 43<id>[{..}]}, the next one sent when the ack arrives). Every server of a round is started and connected at
 * once, warmed up in turn (twice), then measured in turn: {@value #SLICES} slices of {@value #SLICE_MS} ms each (A B
 * C, C B A, ...), each after {@value #RAMP_MS} ms of the loop unmeasured, one server's loop running at a time.
 * Acks/s, latency (p50, p90, p99, p99.9 over all its slices: where a server's distribution differs from the
 * ceiling's, the body or the tail), and server CPU per ack, the steady figure.
 *
 * <p>Why slices in turn: the tail is made of stalls in which all 100 requests in flight wait (a GC pause, another
 * tenant's burst on either core), and the host's stalls come and go over minutes; measured for 4 s each one after the
 * other, one server's p99 against the ceiling's went from 0.84x to 2.18x round by round. Slices spread each server's
 * measurement over the same stretch of time.
 */
public final class Echo implements Scenario.InTurn {
    static final int CLIENTS = Integer.getInteger("bench.echo.clients", 100);
    /**
     * Warm-up windows: at least two, until the server's CPU per ack settles (see {@link #warmUp}), at most this. A tick
     * of {@code /proc} is under 2% of a second's CPU per ack for every server (socket.io's 25,000 acks at 37 µs each:
     * 1.1%); with windows of 2 s the first pass over five servers took 44 s of the round's 97.
     */
    static final long WARM_UP_WINDOW_MS = 1000;

    static final long WARM_UP_MAX_MS = Long.getLong("bench.echo.warmup.max.ms", 20_000);
    /**
     * Two consecutive warm-up windows within this of each other, the second with the JIT compilers under {@link
     * #SETTLED_JIT} of the server's CPU: they are done (the first criterion alone let them take up to a tenth of the
     * measured slices' CPU, on the same core as the server's event loop).
     */
    static final double SETTLED = 0.05;

    static final double SETTLED_JIT = 0.03;

    /**
     * Warm-up passes over all the servers: each server until settled in the first, until a window with the JIT
     * compilers nearly idle in the others.
     */
    static final int WARM_UP_PASSES = 2;

    /** Measured slices per server (4 s in all), and the unmeasured run of the loop before each. */
    static final int SLICES = 4;

    static final long SLICE_MS = 1000;
    static final long RAMP_MS = 250;

    /**
     * Socket.IO's default ping interval (every server here, Courier with its defaults, pings its clients so; the
     * ceiling does not ping), and a second for the round to be answered.
     */
    static final long HEARTBEATS_AFTER_NANOS = TimeUnit.SECONDS.toNanos(25 + 1);

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
        return CLIENTS + " clients per server, echo with ack in a closed loop, warm-up in turn (" + WARM_UP_PASSES
                + " passes: until the server's CPU per ack settles, then until the JIT is nearly idle; at most "
                + WARM_UP_MAX_MS / 1000 + " s each), then "
                + SLICES + " slices of "
                + SLICE_MS / 1000.0 + " s measured in turn with the other servers";
    }

    @Override
    public void runInTurn(List<Run> runs) throws Exception {
        List<Server> servers = new ArrayList<>();
        try {
            for (Run run : runs) {
                servers.add(Server.connect(run));
            }
            // twice in turn: after one pass, a JVM server that sat idle while the others warmed up still compiled
            // its event loop's hot methods in its measured slices (JIT 5-12% of its CPU there; 0-0.8% after two);
            // the second pass runs each until a window leaves its JIT compilers nearly idle, often the first
            for (int pass = 1; pass <= WARM_UP_PASSES; pass++) {
                for (Server s : servers) {
                    if (pass > 1) {
                        s.awaitFirstHeartbeats();
                    }
                    s.start();
                    double seconds = warmUp(s.run, s.peer, s.lg, s.loop, pass == 1);
                    if (pass == 1) {
                        s.run.metric("echo.warmup_s", seconds);
                    }
                    s.stop();
                }
            }
            InTurn.inAlternatingOrder(servers, SLICES, s -> {
                boolean kept;
                do {
                    s.start();
                    Thread.sleep(RAMP_MS);
                    kept = s.measureSlice();
                    s.stop();
                } while (!kept);
            });
            for (Server s : servers) {
                s.report();
            }
        } finally {
            servers.forEach(s -> s.clients.closeAll());
        }
    }

    /** One server's peer, clients and loop, and what its slices measured. */
    private static final class Server {
        final Run run;
        final PeerProcess peer;
        final LoadGen lg;
        final Loop loop;
        final LoadGen.Connected clients;
        final long connectedNanos = System.nanoTime();
        CpuMeter.Sample cpu;
        double seconds;
        int repeated;

        private Server(Run run, PeerProcess peer, Loop loop, LoadGen.Connected clients) {
            this.run = run;
            this.peer = peer;
            this.lg = run.loadGen();
            this.loop = loop;
            this.clients = clients;
        }

        /**
         * Waits until the server's first heartbeat round is {@link #HEARTBEATS_AFTER_NANOS} behind (rarely: the first
         * pass takes longer unless few servers are measured). That round deoptimized the hot methods of Courier's
         * event loop (an uncommon trap on its first scheduled task and its first PONG packet; C2 then took 11.5% of
         * its CPU in the measured slices, p99 5.01 ms against 1.13 without) when it fell in the slices; the next pass
         * gives the compilers that work.
         */
        void awaitFirstHeartbeats() throws InterruptedException {
            long wait = connectedNanos + HEARTBEATS_AFTER_NANOS - System.nanoTime();
            if (wait > 0) {
                run.progress(String.format("waiting %.0f s for its first heartbeat round", wait / 1e9));
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }

        static Server connect(Run run) throws Exception {
            PeerProcess peer = run.start(List.of());
            Loop loop = new Loop();
            LoadGen.Connected clients =
                    run.loadGen().connect(peer.port, CLIENTS, 200, null, loop).get(60, TimeUnit.SECONDS);
            run.progress("connected " + CLIENTS + " clients");
            return new Server(run, peer, loop, clients);
        }

        /** Starts the closed loop: one echo in flight per client. */
        void start() throws Exception {
            lg.call(() -> {
                loop.running = true;
                loop.drained = new CompletableFuture<>();
                for (WsConnection c : clients.connections()) {
                    loop.send(c, true);
                }
                return null;
            });
        }

        /** Lets the echoes in flight come back, sending no more. */
        void stop() throws Exception {
            CompletableFuture<Void> drained = lg.call(() -> {
                loop.running = false;
                if (loop.inFlight == 0) {
                    loop.drained.complete(null);
                }
                return loop.drained;
            });
            drained.get(30, TimeUnit.SECONDS);
        }

        /**
         * Measures the running loop for one slice; the acks and latencies of the slices kept add up. A slice in which
         * the JIT compilers were at work is not kept (false): {@link InTurn#measureAgain}.
         */
        boolean measureSlice() throws Exception {
            long[] t0 = new long[1];
            lg.call(() -> {
                loop.slice.clear();
                loop.sliceAcks = 0;
                loop.measuring = true;
                t0[0] = System.nanoTime();
                return null;
            });
            CpuMeter meter = run.cpu(peer);
            Thread.sleep(SLICE_MS);
            double slice = lg.call(() -> {
                loop.measuring = false;
                return (System.nanoTime() - t0[0]) / 1e9;
            });
            CpuMeter.Sample sample = meter.stop();
            if (InTurn.measureAgain(run, sample, repeated)) {
                repeated++;
                return false;
            }
            lg.call(() -> {
                loop.latencies.addAll(loop.slice);
                loop.acks += loop.sliceAcks;
                return null;
            });
            cpu = cpu == null ? sample : cpu.plus(sample);
            seconds += slice;
            return true;
        }

        void report() throws Exception {
            double[] r = lg.call(() -> {
                double[] p = loop.latencies.percentilesMs(50, 90, 99, 99.9);
                return new double[] {loop.acks, p[0], p[1], p[2], p[3]};
            });
            double rate = r[0] / seconds;
            double perAck = cpu.serverSeconds() * 1e6 / r[0];
            run.metric("echo.rate", rate);
            run.metric("echo.p50", r[1]);
            run.metric("echo.p90", r[2]);
            run.metric("echo.p99", r[3]);
            run.metric("echo.p999", r[4]);
            run.metric("echo.cpu_us", perAck);
            run.metric("echo.kernel_pct", cpu.kernelShare() * 100);
            run.metric("echo.jit_pct", cpu.jitShare() * 100);
            run.metric("echo.slices_repeated", repeated);
            run.metric("echo.loadgen_cpu_s", cpu.loadGenSeconds());
            run.metric("echo.other_cpu_s", cpu.otherSeconds());
            run.progress(String.format(
                    "%,.0f acks/s, %.2f µs server CPU/ack (%.0f%% kernel, %.1f%% JIT), p50 %.3f ms, p90 %.3f ms,"
                            + " p99 %.2f ms, p99.9 %.2f ms; load generator %.1f s CPU, others %.1f s"
                            + " (%d slices, %.1f s; %d measured again)",
                    rate,
                    perAck,
                    cpu.kernelShare() * 100,
                    cpu.jitShare() * 100,
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    cpu.loadGenSeconds(),
                    cpu.otherSeconds(),
                    SLICES,
                    seconds,
                    repeated));
        }
    }

    /**
     * Runs the loop in windows of {@link #WARM_UP_WINDOW_MS} until two in a row cost the server the same CPU per ack
     * ({@link CpuMeter#sameCost} within {@link #SETTLED}) and the JIT compilers are nearly idle: with a fixed 2 s
     * warm-up, C2 compilation took up to a third of a JVM server's CPU in the measured window, and the figure was the
     * compiler's, not the steady per-ack cost. Without {@code untilCpuSettles} (the second pass, whose CPU per ack
     * settled in the first) one window with the JIT compilers nearly idle is enough. Returns the seconds it took.
     */
    private static double warmUp(Run run, PeerProcess peer, LoadGen lg, Loop loop, boolean untilCpuSettles)
            throws Exception {
        long t0 = System.nanoTime();
        double previous = Double.NaN;
        while (true) {
            long acks0 = lg.call(() -> loop.total);
            CpuMeter cpu = run.cpu(peer);
            Thread.sleep(WARM_UP_WINDOW_MS);
            long acks = lg.call(() -> loop.total) - acks0;
            CpuMeter.Sample sample = cpu.stop();
            double perAck = sample.serverSeconds() / Math.max(1, acks);
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean settled = (!untilCpuSettles || CpuMeter.sameCost(previous, perAck, acks, SETTLED))
                    && sample.jitShare() < SETTLED_JIT;
            if (settled || seconds * 1000 >= WARM_UP_MAX_MS) {
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
        /** The slice being measured; added to {@link #latencies} and {@link #acks} if it is kept. */
        final Latencies slice = new Latencies();

        long sliceAcks;
        CompletableFuture<Void> drained = new CompletableFuture<>();
        boolean running;
        boolean measuring;
        long acks;
        long total;
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
                sliceAcks++;
                slice.add(System.nanoTime() - c.startedNanos);
            }
            if (running) {
                send(c, false);
            } else if (inFlight == 0) {
                drained.complete(null);
            }
        }
    }
}
