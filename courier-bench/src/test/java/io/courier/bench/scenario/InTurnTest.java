package io.courier.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Servers measured in turn: every second pass in the reverse order. */
class InTurnTest {
    @Test
    void passesAlternateTheirOrder() throws Exception {
        List<String> order = new ArrayList<>();
        Scenario.InTurn.inAlternatingOrder(List.of("A", "B", "C"), 4, order::add);
        assertThat(String.join("", order)).isEqualTo("ABCCBAABCCBA");
    }
}
