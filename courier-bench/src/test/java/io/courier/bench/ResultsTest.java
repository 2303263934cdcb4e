package io.courier.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.bench.Results.Stat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Medians with min and max over the rounds. */
class ResultsTest {
    @Test
    void anOddCountHasItsMiddleValueAsMedian() {
        assertThat(Results.stat(List.of(3.0, 1.0, 2.0))).isEqualTo(new Stat(2.0, 1.0, 3.0, 3));
    }

    @Test
    void anEvenCountHasTheMeanOfItsTwoMiddleValues() {
        assertThat(Results.stat(List.of(4.0, 1.0, 2.0, 10.0))).isEqualTo(new Stat(3.0, 1.0, 10.0, 4));
        assertThat(Results.stat(List.of(0.75, 0.5))).isEqualTo(new Stat(0.625, 0.5, 0.75, 2));
    }
}
