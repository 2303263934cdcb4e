package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.client.LoadGen;
import io.courier.bench.client.WsConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Fan-out broadcast to 1,000 WebSocket receivers plus one publisher (PERFORMANCE.md "fan-out"): a warm-up burst, a
 * burst of 500 messages with at most 32 not yet delivered to all (closed loop), then a steady 20 publishes/s (20,000
 * deliveries/s) for 4 s timestamped with the scheduled send time. Server CPU per delivery is the steady figure.
 */
public final class FanOut implements Scenario {
    static final int RECEIVERS = Integer.getInteger("bench.fanout.receivers", 1000);
    static final int WARM_UP = 150;
    static final int BURST = Integer.getInteger("bench.fanout.burst", 500);
    static final int WINDOW = 32;
    static final int STEADY_RATE = 20;
    static final double STEADY_SECONDS = Double.parseDouble(System.getProperty("bench.fanout.steady.seconds", "4"));
    /** Steady warm-up windows: at least two, until the server's CPU per delivery settles, at most this. */
    static final double STEADY_WARM_UP_WINDOW_SECONDS = 2;

    static final long STEADY_WARM_UP_MAX_MS = Long.getLong("bench.fanout.warmup.max.ms", 12_000);
    /** Two consecutive warm-up windows within this of each other: the JIT compilers are done. */
    static final double SETTLED = Double.parseDouble(System.getProperty("bench.fanout.warmup.settled", "0.05"));

    @Override
    public String id() {
        return "fanout";
    }

    @Override
    public String description() {
        return RECEIVERS + " receivers: burst of " + BURST + " (window " + WINDOW + "), then " + STEADY_RATE
                + " publishes/s for " + STEADY_SECONDS + " s after a warm-up at that rate until the server's CPU per"
                + " delivery settles (at most " + STEADY_WARM_UP_MAX_MS / 1000 + " s)";
    }

    @Override
    public void run(Run run) throws Exception {
        PeerProcess peer = run.start(List.of());
        LoadGen lg = run.loadGen();
        FanOutDriver driver = new FanOutDriver(lg, RECEIVERS);
        Receivers receivers = connect(run, driver, peer.port);
        try {
            measure(run, driver, List.of(peer), "fanout");
        } finally {
            receivers.closeAll();
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

    /** Warm-up, burst and steady phases; metrics under {@code prefix}. */
    static void measure(Run run, FanOutDriver driver, List<PeerProcess> peers, String prefix) throws Exception {
        driver.burst(WARM_UP, WINDOW, 60);
        CpuMeter cpu = CpuMeter.start(peers);
        FanOutDriver.Phase burst = driver.burst(BURST, WINDOW, 120);
        CpuMeter.Sample c = cpu.stop();
        double perDelivery = c.serverSeconds() * 1e6 / burst.deliveries();
        run.metric(prefix + ".burst.rate", burst.rate());
        run.metric(prefix + ".burst.p50", burst.p50());
        run.metric(prefix + ".burst.p99", burst.p99());
        run.metric(prefix + ".burst.cpu_us", perDelivery);
        run.metric(prefix + ".burst.kernel_pct", c.kernelShare() * 100);
        run.metric(prefix + ".burst.loadgen_cpu_s", c.loadGenSeconds());
        run.metric(prefix + ".burst.other_cpu_s", c.otherSeconds());
        run.progress(String.format(
                "burst: %,.0f deliveries/s, %.2f µs server CPU/delivery (%.0f%% kernel), p50 %.1f ms, p99 %.1f ms",
                burst.rate(), perDelivery, c.kernelShare() * 100, burst.p50(), burst.p99()));

        double warmUpSeconds = warmUpSteady(run, driver, peers);
        run.metric(prefix + ".steady.warmup_s", warmUpSeconds);
        cpu = CpuMeter.start(peers);
        FanOutDriver.Phase steady = driver.steady(STEADY_RATE, STEADY_SECONDS, (long) STEADY_SECONDS + 30);
        c = cpu.stop();
        perDelivery = c.serverSeconds() * 1e6 / steady.deliveries();
        run.metric(prefix + ".steady.rate", steady.rate());
        run.metric(prefix + ".steady.p50", steady.p50());
        run.metric(prefix + ".steady.p99", steady.p99());
        run.metric(prefix + ".steady.p999", steady.p999());
        run.metric(prefix + ".steady.cpu_us", perDelivery);
        run.metric(prefix + ".steady.kernel_pct", c.kernelShare() * 100);
        run.metric(prefix + ".steady.jit_pct", c.jitShare() * 100);
        run.metric(prefix + ".steady.other_cpu_s", c.otherSeconds());
        run.progress(String.format(
                "steady %d/s: %,.0f deliveries/s, %.2f µs server CPU/delivery (%.1f%% JIT), p50 %.2f ms, p99 %.2f ms",
                STEADY_RATE, steady.rate(), perDelivery, c.jitShare() * 100, steady.p50(), steady.p99()));
        if (burst.duplicates() + steady.duplicates() > 0) {
            run.progress("WARNING: " + (burst.duplicates() + steady.duplicates()) + " duplicate deliveries");
        }
    }

    /**
     * Publishes at the steady rate in windows of {@link #STEADY_WARM_UP_WINDOW_SECONDS} until two in a row cost the
     * servers the same CPU per delivery (within {@link #SETTLED}): after the bursts alone, C1/C2 compilation of what
     * only the steady phase runs (a lone broadcast per loop turn, the handler started per message) was 3-10% of a JVM
     * server's CPU samples in the measured window (perf), a figure of the compilers rather than of the delivery.
     * Returns the seconds it took.
     */
    private static double warmUpSteady(Run run, FanOutDriver driver, List<PeerProcess> peers) throws Exception {
        long t0 = System.nanoTime();
        double previous = Double.NaN;
        while (true) {
            CpuMeter cpu = CpuMeter.start(peers);
            FanOutDriver.Phase w = driver.steady(
                    STEADY_RATE, STEADY_WARM_UP_WINDOW_SECONDS, (long) STEADY_WARM_UP_WINDOW_SECONDS + 30);
            double perDelivery = cpu.stop().serverSeconds() / Math.max(1, w.deliveries());
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (Math.abs(perDelivery - previous) <= SETTLED * previous || seconds * 1000 >= STEADY_WARM_UP_MAX_MS) {
                run.progress(String.format(
                        "steady warmed up in %.0f s (%.2f µs server CPU/delivery)", seconds, perDelivery * 1e6));
                return seconds;
            }
            previous = perDelivery;
        }
    }
}
