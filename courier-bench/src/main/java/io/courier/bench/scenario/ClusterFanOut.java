package io.courier.bench.scenario;

import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out across a 2-node Courier cluster over Redis (courier-redis's {@code RedisCluster}, README "Cluster on
 * Redis"): two Courier processes on the server CPU joined through the Redis at {@code -Dbench.redis} (default
 * redis://127.0.0.1:6379) under a key of their own, 500 receivers on each node, the publisher on the first; the same
 * burst and steady phases as {@link FanOut}, server CPU summed over both nodes (Redis's own CPU reported apart).
 * The run's Redis keys are deleted afterwards.
 */
public final class ClusterFanOut implements Scenario {
    private static final String REDIS = System.getProperty("bench.redis", "redis://127.0.0.1:6379");

    /**
     * The steady warm-up's limit: the two nodes' JIT compilers stay at 3-13% of their CPU for the 20 s of {@link
     * FanOut}'s limit, which every round then waited out; the cluster's figures have no target to meet, and its CPU
     * figure leaves the compilers out.
     */
    private static final long WARM_UP_MAX_MS = Long.getLong("bench.cluster.warmup.max.ms", 10_000);

    @Override
    public String id() {
        return "cluster";
    }

    @Override
    public String description() {
        return "2 Courier nodes over Redis, " + FanOut.RECEIVERS + " receivers split over both, publisher on one";
    }

    @Override
    public boolean supports(ServerKind server) {
        return server == ServerKind.COURIER;
    }

    @Override
    public void run(Run run) throws Exception {
        String key = "courier-bench-" + UUID.randomUUID();
        List<String> args = List.of("--redis", REDIS, "--redis-key", key);
        try {
            PeerProcess a = run.start(args);
            PeerProcess b = run.start(args);
            FanOutDriver driver = new FanOutDriver(run.loadGen(), FanOut.RECEIVERS);
            FanOut.Receivers conns = FanOut.connect(run, driver, new int[] {a.port, b.port}, a.port, null);
            long redisPid = redisPid();
            long[] redis0 = redisPid > 0 ? PeerProcess.procStat(redisPid) : new long[2];
            try {
                FanOut.measure(run, driver, List.of(a, b), "cluster", WARM_UP_MAX_MS);
            } finally {
                conns.closeAll();
            }
            if (redisPid > 0) {
                long[] redis1 = PeerProcess.procStat(redisPid);
                run.metric(
                        "cluster.redis_cpu_s",
                        (redis1[0] + redis1[1] - redis0[0] - redis0[1]) * PeerProcess.TICK_SECONDS);
            }
        } finally {
            deleteKeys(key);
        }
    }

    private static List<String> redisCli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-u", REDIS));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    /** The Redis server's PID if it runs on this machine (its CPU is reported apart), else -1. */
    private static long redisPid() {
        try {
            for (String line : redisCli("info", "server")) {
                if (line.startsWith("process_id:")) {
                    long pid = Long.parseLong(line.substring(11).trim());
                    return ProcessHandle.of(pid).isPresent() ? pid : -1;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private static void deleteKeys(String key) throws IOException, InterruptedException {
        for (String k : redisCli("--scan", "--pattern", key + "*")) {
            if (!k.isBlank()) {
                redisCli("del", k);
            }
        }
    }
}
