package io.courier.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The fan-out's measured burst: about {@link FanOut#BURST_SECONDS} at the warm-up burst's rate, within bounds. */
class FanOutTest {
    @Test
    void theMeasuredBurstLastsAboutTheSameTimeOnEveryServerWithinItsBounds() {
        // the ceiling's and the slower servers' warm-up rates: 2.5 s of deliveries to 1,000 receivers
        assertThat(FanOut.burstMessages(120_000)).isEqualTo(300);
        assertThat(FanOut.burstMessages(70_000)).isEqualTo(175);
        // Courier's 800,000/s would be 2,000 messages: the most is the durable scenario's burst
        assertThat(FanOut.burstMessages(800_000)).isEqualTo(FanOut.BURST);
        // a warm-up slowed down by the host: never fewer than the warm-up burst's
        assertThat(FanOut.burstMessages(10_000)).isEqualTo(FanOut.WARM_UP);
    }
}
