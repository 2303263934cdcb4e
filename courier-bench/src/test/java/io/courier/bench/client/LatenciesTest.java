package io.courier.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Percentiles by nearest rank over the samples kept. */
class LatenciesTest {
    @Test
    void percentilesAreTheNearestRank() {
        Latencies l = new Latencies();
        for (int ms = 100; ms >= 1; ms--) { // added in any order
            l.add(ms * 1_000_000L);
        }
        assertThat(l.percentilesMs(50, 90, 99, 100, 0)).containsExactly(50, 90, 99, 100, 1);
    }

    @Test
    void noSampleNoPercentile() {
        assertThat(new Latencies().percentilesMs(50)[0]).isNaN();
    }

    @Test
    void addAllPoolsTheSamplesOfAnotherAndClearEmpties() {
        Latencies slice = new Latencies();
        slice.add(2_000_000);
        slice.add(4_000_000);
        Latencies all = new Latencies();
        all.add(1_000_000);
        all.addAll(slice);
        assertThat(all.size()).isEqualTo(3);
        assertThat(all.percentilesMs(50, 100)).containsExactly(2, 4);
        slice.clear();
        assertThat(slice.size()).isZero();
    }
}
