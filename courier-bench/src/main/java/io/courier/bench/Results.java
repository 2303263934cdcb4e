package io.courier.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every figure of a run, one row each (round, scenario, server, metric, value), appended to a TSV file under
 * target/ as it is measured, and summarised as median with min and max over the rounds.
 */
public final class Results {
    public record Row(int round, String scenario, ServerKind server, String metric, double value) {}

    /** Median, min and max of one metric on one server over the rounds. */
    public record Stat(double median, double min, double max, int n) {}

    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final Path file;

    Results(Path file) throws IOException {
        this.file = file;
        Files.createDirectories(file.getParent());
        Files.writeString(file, "round\tscenario\tserver\tmetric\tvalue\n", StandardCharsets.UTF_8);
    }

    /** The rows of an earlier run's TSV (to write its report again with {@code --from-results}). */
    static Results load(Path tsv, Path copyTo) throws IOException {
        Results r = new Results(copyTo);
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", 5);
            if (f.length < 5) {
                continue;
            }
            if (f[3].equals("FAILED")) {
                r.failed(Integer.parseInt(f[0]), f[1], ServerKind.byId(f[2]), f[4]);
            } else {
                r.add(new Row(Integer.parseInt(f[0]), f[1], ServerKind.byId(f[2]), f[3], Double.parseDouble(f[4])));
            }
        }
        return r;
    }

    /** The highest round number seen. */
    synchronized int rounds() {
        return rows.stream().mapToInt(Row::round).max().orElse(0);
    }

    /** The servers that have figures, in the order of {@link ServerKind}. */
    synchronized List<ServerKind> servers() {
        return java.util.Arrays.stream(ServerKind.values())
                .filter(k -> rows.stream().anyMatch(r -> r.server() == k))
                .toList();
    }

    Path file() {
        return file;
    }

    synchronized void add(Row row) {
        rows.add(row);
        append(row.round() + "\t" + row.scenario() + "\t" + row.server().id + "\t" + row.metric() + "\t" + row.value()
                + "\n");
    }

    synchronized void failed(int round, String scenario, ServerKind server, String why) {
        failures.add("round " + round + ", " + scenario + " on " + server.id + ": " + why);
        append(round + "\t" + scenario + "\t" + server.id + "\tFAILED\t"
                + why.replace('\n', ' ').replace('\t', ' ') + "\n");
    }

    private void append(String line) {
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** metric → server → stat. */
    synchronized Map<String, Map<ServerKind, Stat>> summary() {
        Map<String, Map<ServerKind, List<Double>>> values = new TreeMap<>();
        for (Row r : rows) {
            if (!Double.isNaN(r.value())) {
                values.computeIfAbsent(r.metric(), k -> new TreeMap<>())
                        .computeIfAbsent(r.server(), k -> new ArrayList<>())
                        .add(r.value());
            }
        }
        Map<String, Map<ServerKind, Stat>> out = new TreeMap<>();
        values.forEach((metric, byServer) -> {
            Map<ServerKind, Stat> m = new TreeMap<>();
            byServer.forEach((server, v) -> m.put(server, stat(v)));
            out.put(metric, m);
        });
        return out;
    }

    static Stat stat(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        double median = n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
        return new Stat(median, a[0], a[n - 1], n);
    }
}
