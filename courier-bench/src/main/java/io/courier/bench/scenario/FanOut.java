package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.client.Latencies;
import io.courier.bench.client.LoadGen;
import io.courier.bench.client.WsConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Fan-out broadcast to 1,000 WebSocket receivers plus one publisher per server (PERFORMANCE.md "fan-out"). Every server
 * of a round is started and connected at once; then, one server after the other, a warm-up burst of 150 messages and
 * a measured burst of about {@value #BURST_SECONDS} s at the warm-up's rate (150 to 500 messages), at most 32 not yet
 * delivered to all (closed loop). The steady phase, 20 publishes/s (20,000 deliveries/s) timestamped with the
 * scheduled send time, is warmed up in turn (until the server's CPU per delivery settles and its JIT compilers are
 * nearly idle, then one more window each once all are warm) and measured in turn:
 * {@value #STEADY_SLICES} slices of 1 s each (A B C, C B A, ...), each after {@value #STEADY_RAMP_SECONDS} s at the
 * rate unmeasured; latencies, deliveries and CPU pooled over a server's slices. Server CPU per delivery is the steady
 * figure.
 *
 * <p>Why slices in turn: measured for 4 s one server after the other, Courier's steady CPU against the ceiling's was
 * 1.09x in one run and 1.26x in the next (one server's window against another's minute of the shared host); slices
 * spread each server's measurement over the same stretch of time, as the echo scenario's do.
 */
public final class FanOut implements Scenario.InTurn {
    static final int RECEIVERS = Integer.getInteger("bench.fanout.receivers", 1000);
    static final int WARM_UP = 150;
    /** The measured burst's messages at most (and the durable scenario's bursts). */
    static final int BURST = Integer.getInteger("bench.fanout.burst", 500);
    /**
     * The measured burst's length at the warm-up burst's rate, in {@link #WARM_UP} to {@link #BURST} messages: 500
     * messages took the slower servers 7-8 s a burst (60,000-70,000 deliveries/s) against Courier's 0.6 s, and the CPU
     * per delivery over 2.5 s is over 250 ticks of {@code /proc}'s meter.
     */
    static final double BURST_SECONDS = 2.5;

    static final int WINDOW = 32;
    static final int STEADY_RATE = 20;
    static final double STEADY_SECONDS = Double.parseDouble(System.getProperty("bench.fanout.steady.seconds", "4"));
    /** The steady phase's measured slices per server (of {@link #STEADY_SECONDS} in all). */
    static final int STEADY_SLICES = 4;
    /** Published at the rate, unmeasured, before each slice: the server's loop is busy again when measuring starts. */
    static final double STEADY_RAMP_SECONDS = 0.25;
    /**
     * Steady warm-up windows: at least two, until the server's CPU per delivery settles, at most {@link
     * #STEADY_WARM_UP_MAX_MS}. A window of 1 s is 20,000 deliveries, and a tick of the meter 0.5 µs per delivery (6% of
     * the ceiling's): {@link CpuMeter#sameCost} allows it, and the JIT rule decides when the compilers are done.
     */
    static final double STEADY_WARM_UP_WINDOW_SECONDS = 1;

    static final long STEADY_WARM_UP_MAX_MS = Long.getLong("bench.fanout.warmup.max.ms", 20_000);
    /**
     * Two consecutive warm-up windows within this of each other (or a tick of the meter: {@link CpuMeter#sameCost}),
     * the second with the JIT compilers under {@link Echo#SETTLED_JIT} of the servers' CPU, as the echo's: they are
     * done. The first criterion alone ended Courier's warm-up in 8 s with C2 still compiling: 35% of its CPU in the
     * measured slices (left out of the CPU figure, but on the event loop's core: its p99 18.3 ms against the
     * ceiling's 11.4 ms, 17.6 against 13.6 in the next round with 5% JIT).
     */
    static final double SETTLED = Double.parseDouble(System.getProperty("bench.fanout.warmup.settled", "0.05"));

    @Override
    public String id() {
        return "fanout";
    }

    @Override
    public String description() {
        return RECEIVERS + " receivers per server: burst of about " + BURST_SECONDS + " s (" + WARM_UP + " to " + BURST
                + " messages, window " + WINDOW + "), then " + STEADY_RATE
                + " publishes/s warmed up in turn until the server's CPU per delivery settles and JIT compiling"
                + " takes under 3% of it (at most "
                + STEADY_WARM_UP_MAX_MS / 1000 + " s each) and measured in turn: " + STEADY_SLICES + " slices of "
                + STEADY_SECONDS / STEADY_SLICES + " s each";
    }

    @Override
    public void runInTurn(List<Run> runs) throws Exception {
        List<Server> servers = new ArrayList<>();
        try {
            for (Run run : runs) {
                servers.add(Server.connect(run));
            }
            for (Server s : servers) {
                burst(s.run, s.driver, s.peers, "fanout");
            }
            for (Server s : servers) {
                s.run.metric("fanout.steady.warmup_s", warmUpSteady(s.run, s.driver, s.peers, STEADY_WARM_UP_MAX_MS));
            }
            // one more window each once all are warm: a server that sat idle while the others warmed up compiles
            // what it had not yet (as the echo scenario found)
            for (Server s : servers) {
                s.driver.steady(STEADY_RATE, STEADY_WARM_UP_WINDOW_SECONDS, (long) STEADY_WARM_UP_WINDOW_SECONDS + 30);
            }
            InTurn.inAlternatingOrder(servers, STEADY_SLICES, Server::steadySlice);
            for (Server s : servers) {
                s.reportSteady();
            }
        } finally {
            servers.forEach(s -> s.receivers.closeAll());
        }
    }

    /** One server's peer, receivers and publisher, and what its steady slices measured. */
    private static final class Server {
        final Run run;
        final List<PeerProcess> peers;
        final FanOutDriver driver;
        final Receivers receivers;
        final Latencies latencies = new Latencies(); // touched on the load generator's loop only
        CpuMeter.Sample cpu;
        long deliveries;
        double seconds;
        long duplicates;
        int repeated;

        private Server(Run run, PeerProcess peer, FanOutDriver driver, Receivers receivers) {
            this.run = run;
            this.peers = List.of(peer);
            this.driver = driver;
            this.receivers = receivers;
        }

        static Server connect(Run run) throws Exception {
            PeerProcess peer = run.start(List.of());
            FanOutDriver driver = new FanOutDriver(run.loadGen(), RECEIVERS);
            return new Server(run, peer, driver, FanOut.connect(run, driver, peer.port));
        }

        /**
         * A ramp at the steady rate, then one measured slice; its deliveries, latencies and CPU add up. Measured again
         * in place of a slice in which the JIT compilers were at work ({@link InTurn#measureAgain}; Courier's took
         * 21.7% of its CPU in one round's slices).
         */
        void steadySlice() throws Exception {
            FanOutDriver.Phase p;
            CpuMeter.Sample sample;
            while (true) {
                driver.steady(STEADY_RATE, STEADY_RAMP_SECONDS, (long) STEADY_RAMP_SECONDS + 30);
                CpuMeter meter = CpuMeter.start(peers);
                p = driver.steady(STEADY_RATE, STEADY_SECONDS / STEADY_SLICES, (long) STEADY_SECONDS + 30);
                sample = meter.stop();
                duplicates += p.duplicates(); // of every slice: a duplicate is a fault whether the slice is kept or not
                if (!InTurn.measureAgain(run, sample, repeated)) {
                    break;
                }
                repeated++;
            }
            cpu = cpu == null ? sample : cpu.plus(sample);
            driver.addLatenciesTo(latencies);
            deliveries += p.deliveries();
            seconds += p.seconds();
        }

        void reportSteady() throws Exception {
            double[] p = run.loadGen().call(() -> latencies.percentilesMs(50, 99, 99.9));
            reportSteadyMetrics(run, "fanout", deliveries / seconds, p, cpu, deliveries);
            run.metric("fanout.steady.slices_repeated", repeated);
            if (duplicates > 0) {
                run.progress("WARNING: " + duplicates + " duplicate deliveries in the steady slices");
            }
        }
    }

    /** Connects the receivers and the publisher of {@code driver} to {@code port}. */
    static Receivers connect(Run run, FanOutDriver driver, int port) throws Exception {
        return connect(run, driver, new int[] {port}, port, null);
    }

    /** The receivers (publisher last) of a fan-out. */
    record Receivers(List<WsConnection> receivers, WsConnection publisher) {
        void closeAll() {
            List<WsConnection> all = new ArrayList<>(receivers);
            all.add(publisher);
            new LoadGen.Connected(all, 0).closeAll();
        }
    }

    /**
     * Connects {@link #RECEIVERS} receivers spread evenly over {@code receiverPorts} (receiver i with the auth object
     * {@code auth(i)}, if given) and a publisher to {@code publisherPort}.
     */
    static Receivers connect(
            Run run, FanOutDriver driver, int[] receiverPorts, int publisherPort, IntFunction<String> auth)
            throws Exception {
        LoadGen lg = run.loadGen();
        List<WsConnection> receivers = new ArrayList<>();
        for (int k = 0; k < receiverPorts.length; k++) {
            int offset = k * RECEIVERS / receiverPorts.length;
            int count = (k + 1) * RECEIVERS / receiverPorts.length - offset;
            IntFunction<String> a = auth == null ? null : i -> auth.apply(offset + i);
            receivers.addAll(lg.connect(receiverPorts[k], count, 200, a, driver)
                    .get(60, TimeUnit.SECONDS)
                    .connections());
        }
        WsConnection publisher = lg.connect(publisherPort, 1, 1, null, driver)
                .get(30, TimeUnit.SECONDS)
                .connections()
                .get(0);
        driver.publisher(publisher);
        run.progress("connected " + RECEIVERS + " receivers and a publisher");
        return new Receivers(receivers, publisher);
    }

    /**
     * Warm-up, burst and steady phases, each measured once, the steady warm-up for at most {@code warmUpMaxMs}; metrics
     * under {@code prefix} (the cluster's).
     */
    static void measure(Run run, FanOutDriver driver, List<PeerProcess> peers, String prefix, long warmUpMaxMs)
            throws Exception {
        burst(run, driver, peers, prefix);
        run.metric(prefix + ".steady.warmup_s", warmUpSteady(run, driver, peers, warmUpMaxMs));
        CpuMeter cpu = CpuMeter.start(peers);
        FanOutDriver.Phase steady = driver.steady(STEADY_RATE, STEADY_SECONDS, (long) STEADY_SECONDS + 30);
        CpuMeter.Sample c = cpu.stop();
        reportSteadyMetrics(
                run,
                prefix,
                steady.rate(),
                new double[] {steady.p50(), steady.p99(), steady.p999()},
                c,
                steady.deliveries());
        if (steady.duplicates() > 0) {
            run.progress("WARNING: " + steady.duplicates() + " duplicate deliveries");
        }
    }

    /** A warm-up burst, then the measured one ({@link #burstMessages}); metrics under {@code prefix}. */
    private static void burst(Run run, FanOutDriver driver, List<PeerProcess> peers, String prefix) throws Exception {
        int messages = burstMessages(driver.burst(WARM_UP, WINDOW, 60).rate());
        CpuMeter cpu = CpuMeter.start(peers);
        FanOutDriver.Phase burst = driver.burst(messages, WINDOW, 120);
        CpuMeter.Sample c = cpu.stop();
        double perDelivery = c.serverSeconds() * 1e6 / burst.deliveries();
        run.metric(prefix + ".burst.messages", messages);
        run.metric(prefix + ".burst.rate", burst.rate());
        run.metric(prefix + ".burst.p50", burst.p50());
        run.metric(prefix + ".burst.p99", burst.p99());
        run.metric(prefix + ".burst.cpu_us", perDelivery);
        run.metric(prefix + ".burst.kernel_pct", c.kernelShare() * 100);
        run.metric(prefix + ".burst.loadgen_cpu_s", c.loadGenSeconds());
        run.metric(prefix + ".burst.other_cpu_s", c.otherSeconds());
        run.progress(String.format(
                "burst of %d: %,.0f deliveries/s, %.2f µs server CPU/delivery (%.0f%% kernel), p50 %.1f ms, p99 %.1f ms",
                messages, burst.rate(), perDelivery, c.kernelShare() * 100, burst.p50(), burst.p99()));
        if (burst.duplicates() > 0) {
            run.progress("WARNING: " + burst.duplicates() + " duplicate deliveries in the burst");
        }
    }

    /**
     * The measured burst's messages: {@link #BURST_SECONDS} at {@code warmUpRate} deliveries/s (the warm-up burst's,
     * to {@link #RECEIVERS} receivers), from {@link #WARM_UP} to {@link #BURST}.
     */
    static int burstMessages(double warmUpRate) {
        return (int) Math.max(WARM_UP, Math.min(BURST, warmUpRate * BURST_SECONDS / RECEIVERS));
    }

    /** The steady phase's metrics: {@code p} holds p50, p99 and p99.9 in ms. */
    private static void reportSteadyMetrics(
            Run run, String prefix, double rate, double[] p, CpuMeter.Sample c, long deliveries) {
        double perDelivery = c.serverSeconds() * 1e6 / deliveries;
        run.metric(prefix + ".steady.rate", rate);
        run.metric(prefix + ".steady.p50", p[0]);
        run.metric(prefix + ".steady.p99", p[1]);
        run.metric(prefix + ".steady.p999", p[2]);
        run.metric(prefix + ".steady.cpu_us", perDelivery);
        run.metric(prefix + ".steady.kernel_pct", c.kernelShare() * 100);
        run.metric(prefix + ".steady.jit_pct", c.jitShare() * 100);
        run.metric(prefix + ".steady.other_cpu_s", c.otherSeconds());
        run.progress(String.format(
                "steady %d/s: %,.0f deliveries/s, %.2f µs server CPU/delivery (%.1f%% JIT), p50 %.2f ms, p99 %.2f ms",
                STEADY_RATE, rate, perDelivery, c.jitShare() * 100, p[0], p[1]));
    }

    /**
     * Publishes at the steady rate in windows of {@link #STEADY_WARM_UP_WINDOW_SECONDS} until two in a row cost the
     * servers the same CPU per delivery ({@link CpuMeter#sameCost} within {@link #SETTLED}) and the JIT compilers are
     * nearly idle: after the bursts alone, C1/C2 compilation of what only the steady phase runs (a lone broadcast per
     * loop turn, the handler started per message) was 3-10% of a JVM server's CPU samples in the measured window
     * (perf), a figure of the compilers rather than of the delivery. At most {@code maxMs}; returns the seconds it took.
     */
    private static double warmUpSteady(Run run, FanOutDriver driver, List<PeerProcess> peers, long maxMs)
            throws Exception {
        long t0 = System.nanoTime();
        double previous = Double.NaN;
        while (true) {
            CpuMeter cpu = CpuMeter.start(peers);
            FanOutDriver.Phase w = driver.steady(
                    STEADY_RATE, STEADY_WARM_UP_WINDOW_SECONDS, (long) STEADY_WARM_UP_WINDOW_SECONDS + 30);
            CpuMeter.Sample sample = cpu.stop();
            double perDelivery = sample.serverSeconds() / Math.max(1, w.deliveries());
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean settled = CpuMeter.sameCost(previous, perDelivery, w.deliveries(), SETTLED)
                    && sample.jitShare() < Echo.SETTLED_JIT;
            if (settled || seconds * 1000 >= maxMs) {
                run.progress(String.format(
                        "steady warmed up in %.0f s (%.2f µs server CPU/delivery, JIT %.0f%% of the server's CPU)",
                        seconds, perDelivery * 1e6, 100 * sample.jitShare()));
                return seconds;
            }
            previous = perDelivery;
        }
    }
}
