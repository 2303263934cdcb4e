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
    private final long self0;
    private final long busy0;
    private final long t0;

    private CpuMeter(List<PeerProcess> peers) {
        this.peers = peers;
        long[] s = serverTicks(peers);
        user0 = s[0];
        system0 = s[1];
        self0 = selfTicks();
        busy0 = machineBusyTicks();
        t0 = System.nanoTime();
    }

    public static CpuMeter start(List<PeerProcess> peers) {
        return new CpuMeter(peers);
    }

    /** What the window cost, in seconds. */
    public record Sample(
            double serverSeconds, double kernelShare, double loadGenSeconds, double otherSeconds, double wallSeconds) {}

    public Sample stop() {
        long[] s = serverTicks(peers);
        double user = (s[0] - user0) * PeerProcess.TICK_SECONDS;
        double system = (s[1] - system0) * PeerProcess.TICK_SECONDS;
        double self = (selfTicks() - self0) * PeerProcess.TICK_SECONDS;
        double busy = (machineBusyTicks() - busy0) * PeerProcess.TICK_SECONDS;
        double server = user + system;
        return new Sample(
                server,
                server == 0 ? 0 : system / server,
                self,
                Math.max(0, busy - server - self),
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
