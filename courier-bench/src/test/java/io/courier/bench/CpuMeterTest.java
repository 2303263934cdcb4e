package io.courier.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The warm-ups' rule for two windows of the same CPU per operation. */
class CpuMeterTest {
    @Test
    void withinTheToleranceTheCostIsTheSame() {
        assertThat(CpuMeter.sameCost(10e-6, 10.4e-6, 100_000, 0.05)).isTrue();
        assertThat(CpuMeter.sameCost(10e-6, 9.6e-6, 100_000, 0.05)).isTrue();
    }

    @Test
    void beyondTheToleranceAndATickItIsNot() {
        // 100,000 operations: a 10 ms tick is 0.1 µs each, 1% of 10 µs; 7% apart is beyond 5% + 1%
        assertThat(CpuMeter.sameCost(10e-6, 10.7e-6, 100_000, 0.05)).isFalse();
        assertThat(CpuMeter.sameCost(10e-6, 9.3e-6, 100_000, 0.05)).isFalse();
    }

    @Test
    void aTickOfProcSpreadOverFewOperationsIsAllowedBesides() {
        // 20,000 operations: a tick is 0.5 µs each; 10 µs against 10.9 µs is within 5% + 0.5 µs
        assertThat(CpuMeter.sameCost(10e-6, 10.9e-6, 20_000, 0.05)).isTrue();
        assertThat(CpuMeter.sameCost(10e-6, 11.1e-6, 20_000, 0.05)).isFalse();
    }

    @Test
    void theFirstWindowHasNothingToCompareWith() {
        assertThat(CpuMeter.sameCost(Double.NaN, 10e-6, 100_000, 0.05)).isFalse();
    }
}
