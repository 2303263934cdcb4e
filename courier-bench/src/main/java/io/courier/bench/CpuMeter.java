package io.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time over a measured window: the server processes' user and system time ({@code /proc/<pid>/stat}), the load
 * generator's own, and the rest of the machine ({@code /proc/stat} busy time minus both: other tenants, and softirq
 * time charged to no process), so a noisy window shows as such.
 */
public final class CpuMeter {
    private final List<PeerProcess> peers;
    private final long user0;
    private final long system0;
    private final long jit0;
    private final long self0;
    private final long busy0;
    private final long t0;

    private CpuMeter(List<PeerProcess> peers) {
        this.peers = peers;
        long[] s = serverTicks(peers);
        user0 = s[0];
        system0 = s[1];
        jit0 = jitTicks(peers);
        self0 = selfTicks();
        busy0 = machineBusyTicks();
        t0 = System.nanoTime();
    }

    public static CpuMeter start(List<PeerProcess> peers) {
        return new CpuMeter(peers);
    }

    /**
     * What the window cost, in seconds. {@code serverSeconds} leaves out the JVM's JIT compiler threads: compiling is
     * warm-up, not the cost of the operations, and what a scenario runs only once per message (a publish at 20/s)
     * reaches C2's thresholds only after minutes. {@code jitShare} is their part of the server's whole CPU time;
     * {@code kernelShare} is the kernel's part of it.
     */
    public record Sample(
            double serverSeconds,
            double kernelShare,
            double jitShare,
            double loadGenSeconds,
            double otherSeconds,
            double wallSeconds) {

        /** This window and {@code other} as one: seconds added, shares weighted by each window's server time. */
        public Sample plus(Sample other) {
            double all = allSeconds() + other.allSeconds();
            return new Sample(
                    serverSeconds + other.serverSeconds,
                    all == 0 ? 0 : (kernelShare * allSeconds() + other.kernelShare * other.allSeconds()) / all,
                    all == 0 ? 0 : (jitShare * allSeconds() + other.jitShare * other.allSeconds()) / all,
                    loadGenSeconds + other.loadGenSeconds,
                    otherSeconds + other.otherSeconds,
                    wallSeconds + other.wallSeconds);
        }

        /** The server's CPU time with the JIT compilers' ({@link #serverSeconds} leaves them out). */
        private double allSeconds() {
            return jitShare >= 1 ? 0 : serverSeconds / (1 - jitShare);
        }
    }

    /**
     * Whether two windows cost the same CPU per operation: within {@code tolerance} of the first, or within the
     * meter's resolution. {@code /proc} counts CPU time in ticks of 10 ms and a window's reading is off by less than
     * one, so two windows of the same cost can read one tick apart; spread over a window's operations that is not
     * always small (2 s of the steady fan-out, 40,000 deliveries: 0.25 µs per delivery, 4% of it), and a 5% tolerance
     * alone made a warm-up run to its maximum on readings one tick apart.
     */
    public static boolean sameCost(double previousPerOp, double perOp, long operations, double tolerance) {
        double tick = PeerProcess.TICK_SECONDS / Math.max(1, operations);
        return Math.abs(perOp - previousPerOp) <= tolerance * previousPerOp + tick;
    }

    public Sample stop() {
        long[] s = serverTicks(peers);
        double user = (s[0] - user0) * PeerProcess.TICK_SECONDS;
        double system = (s[1] - system0) * PeerProcess.TICK_SECONDS;
        double self = (selfTicks() - self0) * PeerProcess.TICK_SECONDS;
        double busy = (machineBusyTicks() - busy0) * PeerProcess.TICK_SECONDS;
        double all = user + system;
        double jit = Math.min(all, (jitTicks(peers) - jit0) * PeerProcess.TICK_SECONDS);
        return new Sample(
                all - jit,
                all == 0 ? 0 : system / all,
                all == 0 ? 0 : jit / all,
                self,
                Math.max(0, busy - all - self),
                (System.nanoTime() - t0) / 1e9);
    }

    private static long[] serverTicks(List<PeerProcess> peers) {
        long[] sum = new long[2];
        for (PeerProcess p : peers) {
            long[] t = p.cpuTicks();
            sum[0] += t[0];
            sum[1] += t[1];
        }
        return sum;
    }

    private static long jitTicks(List<PeerProcess> peers) {
        long sum = 0;
        for (PeerProcess p : peers) {
            sum += p.jitTicks();
        }
        return sum;
    }

    private static long selfTicks() {
        long[] t = PeerProcess.procStat(ProcessHandle.current().pid());
        return t[0] + t[1];
    }

    /** All CPUs' busy ticks (total minus idle and iowait). */
    private static long machineBusyTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            return total - Long.parseLong(f[4]) - Long.parseLong(f[5]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
