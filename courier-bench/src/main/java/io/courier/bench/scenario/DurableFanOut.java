package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import io.courier.bench.scenario.FanOutDriver.Acks;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Durable fan-out against plain fan-out in the same Courier process (README "Durable queues"): 1,000 receivers, each
 * a durable identity ({@code auth: {clientId}}) subscribed to one channel; the plain burst is {@code broadcast} as in
 * {@link FanOut}, the durable burst publishes every message with {@code io.durable().publish} (stored, fsync'd, then
 * delivered with an ack request each receiver answers, as the durable protocol wants), once with an ack per delivery
 * and once with cumulative acks as Courier's Java client sends them (held until 128 deliveries, half the default
 * window, or 100 ms: {@link FanOutDriver.Acks}). Two more kinds split their costs: plain broadcasts whose receivers
 * send the same ack frames as each of them, for an id the server does not wait for (read and dropped: what reading
 * the acks costs without the durable work). Same burst (500 messages, at most 32 not yet delivered to all); after a
 * warm-up of the five kinds (in turn, until JIT compiling takes under 3% of the server's CPU in each, at most 16
 * rounds), they are measured in turn ({@code bench.durable.pairs} times, default 6), every second time in the reverse
 * order (A B C D E, E D C B A, …: a host that drifts during the series weighs on no kind more than on another). Reports
 * the medians of their rates, CPU per delivery of each and deliveries per receiver read, and each kind's ratios to
 * plain as the median of the ratios within each series (bursts seconds apart, so the host's slower swings cancel out
 * of them).
 *
 * <p>To profile one path alone, {@code -Dbench.durable.profile=durable} (or {@code cumulative}, {@code plain},
 * {@code plaineach}, {@code plainacks}) runs, after the warm-up, a stretch of bursts of that kind only ({@code
 * bench.durable.profile.bursts}, default 12), between two progress lines that name the peer's PID ({@code profile
 * start}, {@code profile end}); a comma-separated list of kinds runs one such stretch per kind, in the same process:
 * attach {@code perf} or read a JFR recording over that stretch (BENCHMARKS.md, "What each change bought", says how).
 */
public final class DurableFanOut implements Scenario {
    private static final String CHANNEL = "bench";
    /** The kinds of burst measured in turn this many times (alternately forwards and backwards); the medians count. */
    private static final int PAIRS = Integer.getInteger("bench.durable.pairs", 6);
    /**
     * Warm-up: every kind of burst in turn until the JIT compilers took less than this share of the server's CPU in
     * each (compiling is left out of the CPU figures, but on the server's one core it slows the bursts down). At 10%
     * the durable kinds were still compiling in the measured bursts (up to 40% of the core in some, plain ones 0%).
     */
    private static final double WARM_JIT_SHARE = 0.03;

    private static final int MAX_WARM_UP_ROUNDS = 16;

    /**
     * {@code plain}, {@code plaineach}, {@code plainacks}, {@code durable} or {@code cumulative}: that kind alone after
     * the warm-up; several (comma-separated): each alone in turn, in the same process (the same JIT-compiled code for
     * all of them).
     */
    private static final String PROFILE = System.getProperty("bench.durable.profile");

    private static final int PROFILE_BURSTS = Integer.getInteger("bench.durable.profile.bursts", 12);

    @Override
    public String id() {
        return "durable";
    }

    @Override
    public String description() {
        return FanOut.RECEIVERS + " durable identities subscribed to one channel: a burst of " + FanOut.BURST
                + " durable publishes against the same burst of plain broadcasts";
    }

    @Override
    public boolean supports(ServerKind server) {
        return server == ServerKind.COURIER;
    }

    /** The kinds of burst, measured in turn. */
    private enum Kind {
        PLAIN("plain     ", "plain", "plain_", null, Acks.NONE),
        /** Plain broadcasts, each receiver sending the durable kind's ack frames, which the server reads and drops. */
        PLAIN_EACH("plain+each", "plain with an ack frame per delivery", "plain_each_", null, Acks.EACH),
        /** Plain broadcasts, each receiver sending the cumulative kind's ack frames (read and dropped too). */
        PLAIN_ACKS("plain+acks", "plain with the cumulative ack frames", "plain_acks_", null, Acks.CUMULATIVE),
        DURABLE("durable   ", "durable", "", CHANNEL, Acks.EACH),
        CUMULATIVE("cumulative", "cumulative acks", "cumulative_", CHANNEL, Acks.CUMULATIVE);

        final String label;
        /** What the summary line calls it. */
        final String title;
        /** What its metrics' names start with after {@code durable.}. */
        final String metric;

        final String channel;
        final Acks acks;

        Kind(String label, String title, String metric, String channel, Acks acks) {
            this.label = label;
            this.title = title;
            this.metric = metric;
            this.channel = channel;
            this.acks = acks;
        }
    }

    @Override
    public void run(Run run) throws Exception {
        PeerProcess peer = run.start(List.of("--durable", run.tempDir().toString()));
        FanOutDriver driver = new FanOutDriver(run.loadGen(), FanOut.RECEIVERS);
        FanOut.Receivers conns =
                FanOut.connect(run, driver, new int[] {peer.port}, peer.port, i -> "{\"clientId\":\"r" + i + "\"}");
        try {
            driver.subscribe(conns.receivers(), CHANNEL).get(60, TimeUnit.SECONDS);
            run.progress("subscribed " + FanOut.RECEIVERS + " identities to '" + CHANNEL + "'");
            // every kind warmed up first, then measured in turn: what one JIT-compiles, or the noise of one moment,
            // does not weigh on one side only
            for (int i = 0; i < MAX_WARM_UP_ROUNDS; i++) {
                boolean warm = true;
                for (Kind kind : Kind.values()) {
                    warm &= measured(run, driver, peer, kind)[4] < WARM_JIT_SHARE;
                }
                if (warm) {
                    break;
                }
            }
            if (PROFILE != null) {
                for (String name : PROFILE.split(",")) {
                    Kind kind = profiled(name.trim());
                    run.progress(
                            "profile start: " + PROFILE_BURSTS + " " + name.trim() + " bursts, peer PID " + peer.pid());
                    for (int i = 0; i < PROFILE_BURSTS; i++) {
                        measured(run, driver, peer, kind);
                    }
                    run.progress("profile end");
                }
            }
            run.progress("warmed up; measuring");
            double[][][] samples = new double[Kind.values().length][PAIRS][];
            Kind[] kinds = Kind.values();
            for (int i = 0; i < PAIRS; i++) {
                for (int k = 0; k < kinds.length; k++) {
                    Kind kind = kinds[i % 2 == 0 ? k : kinds.length - 1 - k];
                    samples[kind.ordinal()][i] = measured(run, driver, peer, kind);
                }
            }
            double[][] plain = samples[Kind.PLAIN.ordinal()];
            double[][] durable = samples[Kind.DURABLE.ordinal()];
            run.metric("durable.plain_rate", median(plain, 0));
            run.metric("durable.plain_cpu_us", median(plain, 1));
            run.metric("durable.plain_per_read", median(plain, 5));
            run.metric("durable.p50", median(durable, 2));
            StringBuilder line = new StringBuilder(String.format(
                    "medians of %d series (ratios to plain: medians of each series' own): plain %,.0f deliveries/s"
                            + " (%.2f µs CPU each)",
                    PAIRS, median(plain, 0), median(plain, 1)));
            for (Kind kind : kinds) {
                if (kind == Kind.PLAIN) {
                    continue;
                }
                double[][] k = samples[kind.ordinal()];
                String m = "durable." + kind.metric;
                double rate = median(k, 0);
                double cpu = median(k, 1);
                double ratio = medianRatio(k, plain, 0);
                double cpuRatio = medianRatio(k, plain, 1);
                run.metric(m + "rate", rate);
                run.metric(m + "cpu_us", cpu);
                run.metric(m + "ratio", ratio);
                run.metric(m + "cpu_ratio", cpuRatio);
                if (kind.channel != null) {
                    run.metric(m + "p99", median(k, 3));
                    run.metric(m + "per_read", median(k, 5));
                }
                line.append(String.format(
                        "; %s %,.0f deliveries/s (%.2f µs CPU each): %.2f×, CPU %.2f×",
                        kind.title, rate, cpu, ratio, cpuRatio));
            }
            // the durable work alone: durable against plain with the same ack frames
            run.metric("durable.each_ratio", medianRatio(durable, samples[Kind.PLAIN_EACH.ordinal()], 0));
            run.progress(line.toString());
        } finally {
            conns.closeAll();
        }
    }

    private static Kind profiled(String name) {
        return switch (name) {
            case "plain" -> Kind.PLAIN;
            case "plaineach" -> Kind.PLAIN_EACH;
            case "plainacks" -> Kind.PLAIN_ACKS;
            case "durable" -> Kind.DURABLE;
            case "cumulative" -> Kind.CUMULATIVE;
            default ->
                throw new IllegalArgumentException("bench.durable.profile : " + name
                        + " (expected: plain, plaineach, plainacks, durable or cumulative)");
        };
    }

    /** {rate, CPU µs per delivery, p50, p99, JIT share, deliveries per receiver read} of one burst of {@code kind}. */
    private static double[] measured(Run run, FanOutDriver driver, PeerProcess peer, Kind kind) throws Exception {
        driver.durable(kind.channel, kind.acks);
        CpuMeter cpu = CpuMeter.start(List.of(peer));
        FanOutDriver.Phase p = driver.burst(FanOut.BURST, FanOut.WINDOW, 180);
        CpuMeter.Sample c = cpu.stop();
        double cpuUs = c.serverSeconds() * 1e6 / p.deliveries();
        run.progress(String.format(
                "%s %,.0f deliveries/s, %.2f µs server CPU each (%.0f%% kernel; server %.0f%% busy without JIT, JIT %.0f%% of"
                        + " its CPU); load generator %.2f µs each (%.0f%% busy); %.1f deliveries per receiver read",
                kind.label,
                p.rate(),
                cpuUs,
                100 * c.kernelShare(),
                100 * c.serverSeconds() / c.wallSeconds(),
                100 * c.jitShare(),
                c.loadGenSeconds() * 1e6 / p.deliveries(),
                100 * c.loadGenSeconds() / c.wallSeconds(),
                p.deliveriesPerRead()));
        return new double[] {p.rate(), cpuUs, p.p50(), p.p99(), c.jitShare(), p.deliveriesPerRead()};
    }

    private static double median(double[][] samples, int column) {
        double[] v = new double[samples.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = samples[i][column];
        }
        return median(v);
    }

    /** The median over the series of {@code kind}'s figure divided by plain's in the same series. */
    private static double medianRatio(double[][] kind, double[][] plain, int column) {
        double[] v = new double[kind.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = kind[i][column] / plain[i][column];
        }
        return median(v);
    }

    private static double median(double[] v) {
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
