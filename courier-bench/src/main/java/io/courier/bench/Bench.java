package io.courier.bench;

import io.courier.bench.client.LoadGen;
import io.courier.bench.report.Report;
import io.courier.bench.scenario.ClusterFanOut;
import io.courier.bench.scenario.DurableFanOut;
import io.courier.bench.scenario.Echo;
import io.courier.bench.scenario.FanOut;
import io.courier.bench.scenario.Idle;
import io.courier.bench.scenario.Polling;
import io.courier.bench.scenario.Run;
import io.courier.bench.scenario.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The benchmark harness ({@code ./courier bench}): runs each scenario against each server in turn (A B C D, A B C D,
 * ...) for a number of rounds, every server a fresh process pinned to the server CPU, this process (the load
 * generator) on the other; a scenario measured {@link Scenario.InTurn in turn} (echo) starts every server of a round
 * at once and measures them in alternating slices; writes every figure to {@code target/bench/results-<time>.tsv}, a
 * summary next to it, and, for a full run (or with {@code --report FILE}), BENCHMARKS.md and its chart.
 *
 * <pre>
 * --scenario LIST   fanout,echo,idle,durable,polling,cluster (default: all)
 * --servers LIST    raw,courier,courier-inline,netty-socketio,socketio (default: all; raw is the ceiling the ratios
 *                   refer to; courier-inline is Courier with its echo listener added by Socket.onInline, echo only)
 * --rounds N        rounds (default 2)
 * --report FILE     write the report there even for a partial run (a full run writes BENCHMARKS.md)
 * --server-cpu C    the CPU list servers are pinned to with taskset (default 1; "none" to not pin)
 * --from-results F  measure nothing: write the report (--report FILE, else the summary) from a results TSV
 * </pre>
 */
public final class Bench {
    private Bench() {}

    static List<Scenario> allScenarios() {
        return List.of(new FanOut(), new Echo(), new Idle(), new DurableFanOut(), new Polling(), new ClusterFanOut());
    }

    public static void main(String[] args) throws Exception {
        List<Scenario> scenarios = allScenarios();
        List<ServerKind> servers = List.of(ServerKind.values());
        int rounds = 2;
        Path report = null;
        String serverCpu = "1";
        boolean full = true;
        Path fromResults = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--scenario", "--scenarios" -> {
                    List<String> ids = List.of(required(a, v).split(","));
                    scenarios = allScenarios().stream()
                            .filter(s -> ids.contains(s.id()))
                            .toList();
                    for (String id : ids) {
                        if (allScenarios().stream().noneMatch(s -> s.id().equals(id))) {
                            usage("unknown scenario '" + id + "'");
                        }
                    }
                    full = false;
                    i++;
                }
                case "--servers" -> {
                    servers = Stream.of(required(a, v).split(","))
                            .map(ServerKind::byId)
                            .toList();
                    full = false;
                    i++;
                }
                case "--rounds" -> {
                    rounds = Integer.parseInt(required(a, v));
                    if (rounds < 1 || rounds > 20) {
                        usage("--rounds takes 1 to 20");
                    }
                    i++;
                }
                case "--report" -> {
                    report = Path.of(required(a, v));
                    i++;
                }
                case "--server-cpu" -> {
                    serverCpu = required(a, v).equals("none") ? null : v;
                    i++;
                }
                case "--from-results" -> {
                    fromResults = Path.of(required(a, v));
                    full = false;
                    i++;
                }
                case "-h", "--help" -> {
                    usage(null);
                }
                default -> usage("unknown option '" + a + "'");
            }
        }
        if (full && report == null) {
            report = Path.of("BENCHMARKS.md");
        }
        Env env = Env.fromSystemProperties();
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(ZoneOffset.UTC)
                .format(Instant.now());
        if (fromResults != null) {
            Results old = Results.load(fromResults, env.outDir().resolve("results-" + stamp + "-copy.tsv"));
            Report r = new Report(
                    old.summary(), old.failures(), old.servers(), old.rounds(), Double.NaN, Machine.describe(env));
            Path out = report != null ? report : env.outDir().resolve("summary-" + stamp + ".md");
            Path svg = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".svg");
            Files.writeString(svg, r.svg());
            write(out, r.markdown(svg.getFileName().toString()), report != null);
            System.out.println(r.table());
            System.out.println("courier bench: wrote " + out + " and " + svg + " from " + fromResults);
            return;
        }
        Results results = new Results(env.outDir().resolve("results-" + stamp + ".tsv"));
        long started = System.nanoTime();
        System.out.printf(
                "courier bench: %d round(s) of %s on %s; servers pinned to CPU %s; raw results in %s%n",
                rounds,
                scenarios.stream().map(Scenario::id).toList(),
                servers.stream().map(s -> s.id).toList(),
                serverCpu,
                results.file());
        try (LoadGen lg = new LoadGen()) {
            for (int round = 1; round <= rounds; round++) {
                Round r = new Round(env, lg, results, round, rounds, serverCpu, stamp);
                for (Scenario s : scenarios) {
                    List<ServerKind> supported =
                            servers.stream().filter(s::supports).toList();
                    if (s instanceof Scenario.InTurn inTurn && supported.size() > 1) {
                        runInTurn(r, inTurn, supported);
                        continue;
                    }
                    for (ServerKind server : supported) {
                        runOne(r, s, server);
                    }
                }
            }
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        Path summary = env.outDir().resolve("summary-" + stamp + ".md");
        Report r = new Report(results.summary(), results.failures(), servers, rounds, minutes, Machine.describe(env));
        write(summary, r.markdown("benchmarks-" + stamp + ".svg"), false);
        Files.writeString(env.outDir().resolve("benchmarks-" + stamp + ".svg"), r.svg());
        System.out.println(r.table());
        System.out.printf("courier bench: done in %.1f min; summary %s%n", minutes, summary);
        if (report != null) {
            Path svg = report.resolveSibling(report.getFileName().toString().replaceFirst("\\.md$", "") + ".svg");
            Files.writeString(svg, r.svg());
            write(report, r.markdown(svg.getFileName().toString()), true);
            System.out.println("courier bench: wrote " + report + " and " + svg);
        }
        if (!results.failures().isEmpty()) {
            System.out.println("courier bench: " + results.failures().size() + " run(s) failed:");
            results.failures().forEach(f -> System.out.println("  " + f));
            System.exit(1);
        }
    }

    /** What every run of one round shares. */
    private record Round(Env env, LoadGen lg, Results results, int round, int rounds, String serverCpu, String stamp) {}

    private static void runOne(Round r, Scenario s, ServerKind server) {
        ServerRun run = new ServerRun(r, s, server);
        try {
            s.run(run);
            run.checkAlive();
        } catch (Exception | Error e) {
            run.failed(e);
        } finally {
            run.close();
        }
    }

    /** A scenario against every server at once, measured in turn in short slices ({@link Scenario.InTurn}). */
    private static void runInTurn(Round r, Scenario.InTurn s, List<ServerKind> servers) {
        List<ServerRun> runs = new ArrayList<>();
        for (ServerKind server : servers) {
            runs.add(new ServerRun(r, s, server));
        }
        try {
            s.runInTurn(List.copyOf(runs));
            for (ServerRun run : runs) {
                run.checkAlive();
            }
        } catch (Exception | Error e) {
            runs.forEach(run -> run.failed(e));
        } finally {
            runs.forEach(ServerRun::close);
        }
    }

    /** One scenario against one server in one round: its peers, temporary directories, progress and figures. */
    private static final class ServerRun implements Run {
        private final Round r;
        private final Scenario s;
        private final ServerKind server;
        private final String tag;
        private final List<PeerProcess> peers = new ArrayList<>();
        private final List<Path> temps = new ArrayList<>();
        private final long t0 = System.nanoTime();

        ServerRun(Round r, Scenario s, ServerKind server) {
            this.r = r;
            this.s = s;
            this.server = server;
            this.tag = String.format("[%d/%d] %-8s %-14s", r.round(), r.rounds(), s.id(), server.id);
        }

        @Override
        public ServerKind server() {
            return server;
        }

        @Override
        public LoadGen loadGen() {
            return r.lg();
        }

        @Override
        public PeerProcess start(List<String> extraArgs) throws Exception {
            Path log = r.env()
                    .outDir()
                    .resolve("logs/" + r.stamp() + "/" + s.id() + "-" + server.id + "-r" + r.round()
                            + (peers.isEmpty() ? "" : "-" + (peers.size() + 1)) + ".log");
            PeerProcess p = PeerProcess.start(server, r.env(), r.serverCpu(), extraArgs, log);
            peers.add(p);
            return p;
        }

        @Override
        public void progress(String message) {
            System.out.println("bench " + tag + " " + message);
        }

        @Override
        public void metric(String key, double value) {
            r.results().add(new Results.Row(r.round(), s.id(), server, key, value));
        }

        @Override
        public Path tempDir() throws IOException {
            Path d = Files.createTempDirectory("courier-bench-");
            temps.add(d);
            return d;
        }

        void checkAlive() {
            for (PeerProcess p : peers) {
                if (!p.alive()) {
                    throw new IllegalStateException(server.id + " died during the run; log " + p.log);
                }
            }
        }

        void failed(Throwable e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            progress("FAILED: " + why);
            r.results().failed(r.round(), s.id(), server, why);
        }

        /** Stops its peers, removes its temporary directories, prints how long it took. */
        void close() {
            peers.forEach(PeerProcess::close);
            temps.forEach(Bench::deleteTree);
            progress(String.format("(%.1f s)", (System.nanoTime() - t0) / 1e9));
        }
    }

    /** Writes a report: into an existing BENCHMARKS.md's generated block ({@code merge}), or as a new file. */
    private static void write(Path file, String markdown, boolean merge) throws IOException {
        String existing = merge && Files.exists(file) ? Files.readString(file) : null;
        Files.writeString(file, Report.merge(existing, markdown));
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir: left behind at worst
        }
    }

    private static String required(String option, String value) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("courier bench: " + error);
        }
        System.err.println(
                "usage: ./courier bench [--scenario fanout,echo,idle,durable,polling,cluster]"
                        + " [--servers raw,courier,courier-inline,netty-socketio,socketio] [--rounds N] [--report FILE] [--server-cpu C] [--from-results TSV]");
        System.exit(error == null ? 0 : 2);
    }
}
