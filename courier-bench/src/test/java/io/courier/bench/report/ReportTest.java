package io.courier.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.bench.Results.Stat;
import io.courier.bench.ServerKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's rules: what it keeps of a hand-written BENCHMARKS.md, and what it calls a target met. */
class ReportTest {
    private static final String BEGIN = "<!-- courier bench: generated from here (./courier bench rewrites it) -->\n";
    private static final String END = "<!-- courier bench: generated up to here -->\n";

    @Test
    void mergeReplacesOnlyTheGeneratedBlock() {
        String existing =
                "# Benchmarks\n\nintro by hand\n" + BEGIN + "old table\n" + END + "\n## What each change bought\n";
        assertThat(Report.merge(existing, "new table\n"))
                .isEqualTo("# Benchmarks\n\nintro by hand\n" + BEGIN + "new table\n" + END
                        + "\n## What each change bought\n");
    }

    @Test
    void mergeWithoutABlockPutsItAfterTheTitleAndKeepsTheRest() {
        assertThat(Report.merge("# Benchmarks\nnotes\n", "table\n"))
                .isEqualTo("# Benchmarks\n\n" + BEGIN + "table\n" + END + "\nnotes\n");
        assertThat(Report.merge(null, "table\n")).isEqualTo("# Benchmarks\n\n" + BEGIN + "table\n" + END);
    }

    @Test
    void targetsAreRatiosToTheCeilingExceptTheDurableOnesWhichAreRatiosAlready() {
        Map<String, Map<ServerKind, Stat>> summary = Map.of(
                // 1.003x the ceiling: above the bound of 1.00 by less than the table's rounding, so a third decimal
                "echo.p99",
                        Map.of(
                                ServerKind.RAW,
                                stat(1.00),
                                ServerKind.COURIER,
                                stat(1.003),
                                ServerKind.COURIER_INLINE,
                                stat(0.90)),
                // 1.10x exactly: at the bound of 1.10, met
                "fanout.steady.cpu_us", Map.of(ServerKind.RAW, stat(2.0), ServerKind.COURIER, stat(2.2)),
                // a higher-is-better ratio to plain fan-out, taken as it is (no ceiling measures durable)
                "durable.ratio", Map.of(ServerKind.COURIER, stat(0.79)),
                "durable.cumulative_ratio", Map.of(ServerKind.COURIER, stat(1.08)));
        String md = new Report(
                        summary,
                        List.of(),
                        List.of(ServerKind.RAW, ServerKind.COURIER, ServerKind.COURIER_INLINE),
                        2,
                        10.0,
                        Map.of())
                .markdown("chart.svg");
        assertThat(md)
                .contains("| echo+ack: p99 latency | 1.003× | 0.90× | ≤ 1.00× | **not yet** |")
                .contains("| fan-out steady: server CPU per delivery | 1.10× |  | ≤ 1.10× | met |")
                .contains("| durable fan-out vs non-durable throughput | 0.79× |  | ≥ 0.80× | **not yet** |")
                .contains("cumulative acks as the Java client sends them | 1.08× |  | ≥ 0.80× | met |")
                // no figure, no row: a partial run claims nothing about the rest
                .doesNotContain("echo+ack: acks/s |");
    }

    @Test
    void numbersKeepThreeSignificantDigitsOrTheWholeNumber() {
        assertThat(Report.number(0.0123)).isEqualTo("0.012");
        assertThat(Report.number(1.234)).isEqualTo("1.23");
        assertThat(Report.number(12.34)).isEqualTo("12.3");
        assertThat(Report.number(123.4)).isEqualTo("123");
        assertThat(Report.number(153488.2)).isEqualTo("153,488");
        assertThat(Report.number(Double.NaN)).isEqualTo("–");
    }

    private static Stat stat(double median) {
        return new Stat(median, median, median, 2);
    }
}
