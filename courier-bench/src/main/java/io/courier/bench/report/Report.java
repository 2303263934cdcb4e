package io.courier.bench.report;

import io.courier.bench.Results.Stat;
import io.courier.bench.ServerKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BENCHMARKS.md and its chart from a run's summary: the headline table (median with min–max over the rounds, and
 * the ratio to the raw-Netty ceiling), every figure by scenario, how to read them, and an SVG of the ratios drawn by
 * hand (no charting dependency).
 */
public final class Report {
    /** One figure the report knows how to present. */
    public record Metric(String key, String label, boolean higherIsBetter, boolean headline) {}

    /** Every metric in the order of the report; figures not listed here still appear under "All figures". */
    public static final List<Metric> METRICS = List.of(
            new Metric("fanout.burst.rate", "fan-out burst, 1,000 receivers: delivered msgs/s", true, true),
            new Metric("fanout.burst.cpu_us", "fan-out burst: server CPU µs per delivery", false, true),
            new Metric(
                    "fanout.steady.cpu_us", "fan-out steady 20k deliveries/s: server CPU µs per delivery", false, true),
            new Metric("fanout.steady.p50", "fan-out steady: latency p50 ms", false, true),
            new Metric("fanout.steady.p99", "fan-out steady: latency p99 ms", false, true),
            new Metric("echo.rate", "echo+ack, 100 clients: acks/s", true, true),
            new Metric("echo.cpu_us", "echo+ack: server CPU µs per ack", false, true),
            new Metric("echo.p50", "echo+ack: latency p50 ms", false, true),
            new Metric("echo.p90", "echo+ack: latency p90 ms", false, true),
            new Metric("echo.p99", "echo+ack: latency p99 ms", false, true),
            new Metric("idle10k.heap_kib", "10k idle: live heap per connection KiB (JVM)", false, true),
            new Metric("idle10k.rss_kib", "10k idle: RSS per connection KiB", false, true),
            new Metric("idle10k.connect_s", "10k idle: time to connect all s", false, true),
            new Metric("idle19k.heap_kib", "19k idle: live heap per connection KiB (JVM)", false, true),
            new Metric("idle19k.rss_kib", "19k idle: RSS per connection KiB", false, true),
            new Metric("idle19k.connect_s", "19k idle: time to connect all s", false, true),
            new Metric("durable.ratio", "durable fan-out vs non-durable: throughput ratio", true, true),
            new Metric(
                    "durable.cpu_ratio", "durable fan-out vs non-durable: server CPU ratio per delivery", false, true),
            new Metric(
                    "durable.plain_each_ratio",
                    "non-durable fan-out plus an ack frame per delivery (read, then dropped) vs non-durable: throughput"
                            + " ratio",
                    true,
                    true),
            new Metric(
                    "durable.each_ratio",
                    "durable fan-out vs non-durable plus the same ack frames: throughput ratio",
                    true,
                    true),
            new Metric(
                    "durable.cumulative_ratio",
                    "durable fan-out, cumulative acks held as the Java client holds them, vs non-durable: throughput ratio",
                    true,
                    true),
            new Metric(
                    "durable.cumulative_cpu_ratio",
                    "durable fan-out, cumulative acks, vs non-durable: server CPU ratio per delivery",
                    false,
                    true),
            new Metric(
                    "durable.plain_acks_ratio",
                    "non-durable fan-out plus the cumulative ack frames (read, then dropped) vs non-durable: throughput ratio",
                    true,
                    true),
            new Metric(
                    "durable.plain_acks_cpu_ratio",
                    "non-durable fan-out plus the cumulative ack frames vs non-durable: server CPU ratio per delivery",
                    false,
                    true),
            new Metric("polling.rate", "polling, 200 clients: delivered msgs/s", true, true),
            new Metric("polling.cpu_us", "polling: server CPU µs per delivery", false, true),
            new Metric("polling.p99", "polling: latency p99 ms", false, true),
            new Metric("polling.lost_pct", "polling: deliveries lost %", false, false),
            new Metric("cluster.burst.rate", "2-node cluster over Redis, burst: delivered msgs/s", true, true),
            new Metric(
                    "cluster.steady.cpu_us",
                    "2-node cluster, steady: server CPU µs per delivery (both nodes)",
                    false,
                    true),
            new Metric("cluster.steady.p99", "2-node cluster, steady: latency p99 ms", false, true));

    private static final Map<ServerKind, String> COLORS = Map.of(
            ServerKind.RAW, "#888888",
            ServerKind.COURIER, "#1f6fb5",
            ServerKind.COURIER_INLINE, "#6fa8dc",
            ServerKind.NETTY_SOCKETIO, "#e0892e",
            ServerKind.SOCKETIO, "#5c9a3a");

    private final Map<String, Map<ServerKind, Stat>> summary;
    private final List<String> failures;
    private final List<ServerKind> servers;
    private final int rounds;
    private final double minutes;
    private final Map<String, String> machine;

    public Report(
            Map<String, Map<ServerKind, Stat>> summary,
            List<String> failures,
            List<ServerKind> servers,
            int rounds,
            double minutes,
            Map<String, String> machine) {
        this.summary = summary;
        this.failures = failures;
        this.servers = servers;
        this.rounds = rounds;
        this.minutes = minutes;
        this.machine = machine;
    }

    /** The ratio of {@code server}'s median to the ceiling's, or NaN. */
    private double ratio(String key, ServerKind server) {
        Map<ServerKind, Stat> m = summary.get(key);
        if (m == null || !m.containsKey(server) || !m.containsKey(ServerKind.RAW) || server == ServerKind.RAW) {
            return Double.NaN;
        }
        double raw = m.get(ServerKind.RAW).median();
        return raw == 0 ? Double.NaN : m.get(server).median() / raw;
    }

    static String number(double v) {
        double a = Math.abs(v);
        if (Double.isNaN(v)) {
            return "–";
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private String cell(String key, ServerKind server) {
        Map<ServerKind, Stat> m = summary.get(key);
        Stat s = m == null ? null : m.get(server);
        if (s == null) {
            return "–";
        }
        String v = number(s.median());
        if (s.n() > 1 && s.min() != s.max()) {
            v += " (" + number(s.min()) + "–" + number(s.max()) + ")";
        }
        double r = ratio(key, server);
        if (!Double.isNaN(r)) {
            v += " **" + String.format(Locale.ROOT, "%.2f×", r) + "**";
        }
        return v;
    }

    private List<String> keysInOrder() {
        List<String> keys = new ArrayList<>();
        for (Metric m : METRICS) {
            if (summary.containsKey(m.key())) {
                keys.add(m.key());
            }
        }
        return keys;
    }

    private String header() {
        StringBuilder sb = new StringBuilder("| metric |");
        for (ServerKind s : servers) {
            sb.append(' ').append(s.label).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(servers.size()));
        return sb.append('\n').toString();
    }

    /** The median over servers of the median CPU seconds other processes used in a measured window. */
    private double otherTenants() {
        List<Double> v = new ArrayList<>();
        summary.forEach((key, byServer) -> {
            if (key.endsWith("other_cpu_s")) {
                byServer.values().forEach(st -> v.add(st.median()));
            }
        });
        if (v.isEmpty()) {
            return 0;
        }
        v.sort(null);
        return v.get(v.size() / 2);
    }

    /** The headline table (Markdown). */
    public String table() {
        StringBuilder sb = new StringBuilder(header());
        for (String key : keysInOrder()) {
            Metric m = METRICS.stream()
                    .filter(x -> x.key().equals(key))
                    .findFirst()
                    .orElseThrow();
            sb.append("| ")
                    .append(m.label())
                    .append(m.higherIsBetter() ? " ↑" : " ↓")
                    .append(" |");
            for (ServerKind s : servers) {
                sb.append(' ').append(cell(key, s)).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public String markdown(String svgName) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Side by side: Courier, socket.io, netty-socketio and the raw-Netty ceiling\n\n");
        sb.append("Written by `./courier bench` (module `courier-bench`; method in README \"Benchmarks\"). ")
                .append(
                        Double.isNaN(minutes)
                                ? String.format(Locale.ROOT, "%d round(s). ", rounds)
                                : String.format(Locale.ROOT, "%d round(s), %.1f minutes. ", rounds, minutes))
                .append("Numbers from a shared machine: compare the ratios, not the absolute values.\n\n");
        double others = otherTenants();
        if (others > 0.5) {
            sb.append(String.format(
                    Locale.ROOT,
                    "**A busy machine:** other processes used %.1f s of CPU in a"
                            + " measured window (median over the windows: fan-out, echo, polling; the server and the load"
                            + " generator had two cores between them and the others). Throughput and latency are then mostly"
                            + " the scheduler's, and JIT-compiled code may not be warm within the warm-up: trust the CPU per"
                            + " operation and memory figures most, and re-run on a quiet machine.%n%n",
                    others));
        }
        sb.append("| | |\n|---|---|\n");
        machine.forEach(
                (k, v) -> sb.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        sb.append("\n![Ratio to the raw-Netty ceiling per metric and server](")
                .append(svgName)
                .append(")\n\n");
        sb.append("### Headline\n\n");
        sb.append("Median over the rounds, (min–max), **ratio to the raw-Netty ceiling**. ↑: higher is better; ↓:"
                + " lower is better.\n\n");
        sb.append(table()).append('\n');
        sb.append(targets());
        sb.append(HOW_TO_READ);
        sb.append("\n### All figures\n\n");
        sb.append("Every metric of the run (`<scenario>.<phase>.<metric>`; `rate` per second, `cpu_us` server CPU"
                + " µs per operation, `p50`/`p99`/`p999` ms, `kernel_pct` share of the server's CPU in the kernel, `jit_pct` in JVM JIT compiler threads,"
                + " `*_kib` per connection, `loadgen_cpu_s` / `other_cpu_s` seconds of CPU used in the window by the"
                + " load generator / by everything else on the machine).\n\n");
        sb.append(header());
        for (String key : summary.keySet()) {
            sb.append("| `").append(key).append("` |");
            for (ServerKind s : servers) {
                sb.append(' ').append(cell(key, s)).append(" |");
            }
            sb.append('\n');
        }
        if (!failures.isEmpty()) {
            sb.append("\n### Failed runs\n\n");
            failures.forEach(f -> sb.append("- ").append(f.replace("\n", " ")).append('\n'));
        }
        return sb.toString();
    }

    /** Issue 10's targets for Courier: metric, bound, whether the ratio must stay at or below it. */
    private record Target(String key, String label, double bound, boolean atMost) {}

    private static final List<Target> TARGETS = List.of(
            new Target("fanout.burst.cpu_us", "fan-out burst: server CPU per delivery", 0.95, true),
            new Target("fanout.steady.cpu_us", "fan-out steady: server CPU per delivery", 1.10, true),
            new Target("echo.cpu_us", "echo+ack: server CPU per ack", 1.30, true),
            new Target("echo.rate", "echo+ack: acks/s", 0.80, false),
            new Target("echo.p99", "echo+ack: p99 latency", 1.00, true),
            new Target("idle10k.heap_kib", "10k idle: live heap per connection", 1.30, true),
            new Target("idle10k.rss_kib", "10k idle: RSS per connection", 1.15, true),
            new Target("durable.ratio", "durable fan-out vs non-durable throughput", 0.80, false),
            new Target(
                    "durable.cumulative_ratio",
                    "durable fan-out vs non-durable throughput, cumulative acks as the Java client sends them",
                    0.80,
                    false));

    /** Courier's ratios against issue 10's targets (ratios to the ceiling; the durable one to plain fan-out). */
    private String targets() {
        if (!servers.contains(ServerKind.COURIER)) {
            return "";
        }
        StringBuilder sb = new StringBuilder("### Courier against its targets (issue 10)\n\n"
                + "| metric | Courier | Courier, echo onInline | target | |\n|---|---|---|---|---|\n");
        boolean any = false;
        for (Target t : TARGETS) {
            double r;
            if (t.key().startsWith("durable.")) { // a ratio to plain fan-out already
                Map<ServerKind, Stat> m = summary.get(t.key());
                r = m == null || !m.containsKey(ServerKind.COURIER)
                        ? Double.NaN
                        : m.get(ServerKind.COURIER).median();
            } else {
                r = ratio(t.key(), ServerKind.COURIER);
            }
            if (Double.isNaN(r)) {
                continue;
            }
            any = true;
            boolean met = t.atMost() ? r <= t.bound() : r >= t.bound();
            double inline = ratio(t.key(), ServerKind.COURIER_INLINE);
            String shown = String.format(Locale.ROOT, "%.2f", r);
            if (!met && shown.equals(String.format(Locale.ROOT, "%.2f", t.bound()))) {
                shown = String.format(Locale.ROOT, "%.3f", r); // 1.003 misses 1.00: a rounded 1.00 would not say why
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s× | %s | %s %.2f× | %s |%n",
                    t.label(),
                    shown,
                    Double.isNaN(inline) ? "" : String.format(Locale.ROOT, "%.2f×", inline),
                    t.atMost() ? "≤" : "≥",
                    t.bound(),
                    met ? "met" : "**not yet**"));
        }
        return any ? sb.append('\n').toString() : "";
    }

    private static final String HOW_TO_READ = """

            ### How to read this

            - **Ratios** are to the raw-Netty ceiling measured in the same run: a minimal Netty server that does the
              least the contract allows (one pre-encoded frame per broadcast, acks by byte slicing, no JSON, no
              polling). Throughput below 1× is slower; CPU, latency and memory above 1× are worse.
            - **Server CPU per operation** (from `/proc/<pid>/stat`, user + system) is the steady figure: it moves
              least with the noise of a shared machine. Throughput and latency move more (see the min–max ranges).
              The JVMs' JIT compiler threads (`C1/C2 CompilerThread`, from `/proc/<pid>/task`) are left out of it and
              shown as `jit_pct`: compiling is warm-up, and what runs once per publish (20/s in the steady fan-out)
              reaches C2's thresholds only after minutes. Node's compilers share threads with its GC, so its figures
              keep them.
            - **Fan-out burst** latencies are queueing at saturation (32 messages × 1,000 receivers in flight; a burst
              of about 2.5 s at the server's warm-up rate, 150 to 500 messages: `burst.messages`); the
              steady phase (timestamped with the scheduled send time) is the latency figure. Every server of a round
              started and connected at once (1,000 receivers each), the bursts one server after the other, the steady
              phase warmed up in turn and measured in turn in four 1 s slices each (A B C, C B A, ...; 0.25 s at the
              rate unmeasured before each), its figures over all of a server's slices. A slice in which a JVM
              server's JIT compilers took 3% or more of its CPU is measured again (at most four per server,
              `slices_repeated`), in the echo too: C2 recompiling a deoptimized event loop on the server's one core
              was that server's p99.
            - **Echo**: every server of a round started and connected at once (100 clients each), warmed up in
              turn (two passes: until the CPU per ack settles, then, once the server's first heartbeat round is
              behind it, until a window leaves the JIT compilers nearly idle), then measured in turn in four 1 s
              slices each (A B C, C B A, ...; 250 ms of the loop unmeasured before each, one server's loop running
              at a time); latencies over all of a server's slices. Its tail is stalls in which all 100 requests in flight wait (young GCs, other tenants on
              either core), and these come and go over minutes: measured for 4 s one server after the other, the
              same server's p99 against the ceiling's moved from 0.84× to 2.18× round by round.
            - **Idle**: per-connection RSS and live heap after a full GC, on a fresh server at 10,000 connections,
              then on the same server at 19,000 (its time to connect: the 10,000's plus the next 9,000's); for the
              JVMs RSS follows G1's heap sizing, so the live-heap figure is the comparable one.
            - **Durable** (Courier only): the same fan-out with every message stored (fsync) and every delivery
              acknowledged by its client, against the plain broadcast in the same process; twice: each delivery
              with its own ack (as stock clients' ack callbacks do), and with cumulative acks as Courier's Java
              client sends them (`{"cumulative":true}` on the newest delivery, held until 128 deliveries, half the
              default window, or 100 ms: README, "Java client"). Two more kinds, plain broadcasts whose receivers
              send the ack frames of one or the other for an id the server does not wait for, show what reading the
              acks costs without the durable work ("durable fan-out vs non-durable plus the same ack frames" is what
              is left: the durable work alone). After a warm-up of all five (until JIT compiling takes under 3% of
              the server's CPU in each), they are measured in turn six times, every second time in the reverse
              order; rates and CPU figures are the medians of the six, ratios to plain the medians of the six series'
              own ratios (bursts seconds apart: the host's slower swings cancel out of them).
            - **Polling** (no ceiling: it has no polling): 200 HTTP long-polling clients receiving broadcasts, GETs
              and POSTs on separate keep-alive connections as a browser's; a connection the server closes after an
              answer is replaced (`polling.reconnects`: netty-socketio 2.0 closes them), and deliveries still missing
              2 s after the last publish are reported as `polling.lost_pct` rather than failing the run. Measured
              for 4 s at 50 broadcasts/s after a warm-up at that rate, in 2 s windows until one in which JIT
              compiling took under 10% of the server's CPU (`polling.warmup_s`, at most 12 s; `polling.jit_pct` in
              the measured window).
            - **Cluster** (Courier only): two nodes over Redis, receivers split over both, CPU of both nodes.
            - Each server ran pinned to one core (`taskset`), the load generator on the other; the ceiling is load
              generator bound in the burst and echo phases, so its throughput is a lower bound.
            """;

    /** Bars of the ratio to the ceiling, one group per headline metric, one bar per server. */
    public String svg() {
        List<ServerKind> shown =
                servers.stream().filter(s -> s != ServerKind.RAW).toList();
        Map<String, double[]> rows = new LinkedHashMap<>();
        for (Metric m : METRICS) {
            if (!m.headline() || !summary.containsKey(m.key())) {
                continue;
            }
            double[] r = new double[shown.size()];
            boolean any = false;
            for (int i = 0; i < shown.size(); i++) {
                r[i] = ratio(m.key(), shown.get(i));
                any |= !Double.isNaN(r[i]);
            }
            if (any) {
                rows.put(m.key(), r);
            }
        }
        double max = 2;
        for (double[] r : rows.values()) {
            for (double v : r) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, Math.min(5, Math.ceil(v)));
                }
            }
        }
        int bar = 13;
        int gap = 12;
        int left = 400;
        int plot = 440;
        int top = 70;
        int rowHeight = shown.size() * bar + gap;
        int height = top + rows.size() * rowHeight + 40;
        int width = left + plot + 70;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
                        + " font-size=\"12\">\n",
                width,
                height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Ratio to the raw-Netty ceiling"
                + " (1.0 = ceiling; ↑ higher is better, ↓ lower is better)</text>\n");
        int lx = 10;
        for (ServerKind s : shown) {
            sb.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"36\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"46\">%s</text>\n",
                    lx,
                    COLORS.get(s),
                    lx + 16,
                    esc(s.label)));
            lx += 30 + s.label.length() * 7;
        }
        for (int t = 0; t <= max; t++) {
            double x = left + t / max * plot;
            sb.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%d×</text>\n",
                    x,
                    top - 8,
                    x,
                    height - 30,
                    t == 1 ? "#d62728" : "#dddddd",
                    t == 1 ? "1.5" : "1",
                    x,
                    height - 14,
                    t));
        }
        int y = top;
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            Metric m = METRICS.stream()
                    .filter(x -> x.key().equals(e.getKey()))
                    .findFirst()
                    .orElseThrow();
            sb.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %s</text>\n",
                    left - 8,
                    y + rowHeight / 2,
                    esc(m.label()),
                    m.higherIsBetter() ? "↑" : "↓"));
            double[] r = e.getValue();
            for (int i = 0; i < r.length; i++) {
                int by = y + i * bar;
                if (Double.isNaN(r[i])) {
                    continue;
                }
                double w = Math.min(r[i], max) / max * plot;
                sb.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                                + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s%.2f×</text>\n",
                        left,
                        by,
                        w,
                        bar - 2,
                        COLORS.get(shown.get(i)),
                        left + w + 4,
                        by + bar - 3,
                        r[i] > max ? "▶ " : "",
                        r[i]));
            }
            y += rowHeight;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static final String BEGIN = "<!-- courier bench: generated from here (./courier bench rewrites it) -->\n";
    private static final String END = "<!-- courier bench: generated up to here -->\n";

    /**
     * {@code existing} (a BENCHMARKS.md, or null) with the generated block replaced by {@code generated}: the text
     * around the block (what each change bought, written by hand) is kept; without a block yet, it goes after the title.
     */
    public static String merge(String existing, String generated) {
        String block = BEGIN + generated + END;
        if (existing == null || existing.isBlank()) {
            return "# Benchmarks\n\n" + block;
        }
        int b = existing.indexOf(BEGIN);
        int e = existing.indexOf(END);
        if (b >= 0 && e > b) {
            return existing.substring(0, b) + block + existing.substring(e + END.length());
        }
        int afterTitle = existing.startsWith("# ") ? existing.indexOf('\n') + 1 : 0;
        return existing.substring(0, afterTitle) + "\n" + block + "\n" + existing.substring(afterTitle);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
