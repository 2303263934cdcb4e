package io.courier.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import io.courier.bench.client.LoadGen;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Servers measured in turn: every second pass in the reverse order; a slice with the JIT at work measured again. */
class InTurnTest {
    @Test
    void passesAlternateTheirOrder() throws Exception {
        List<String> order = new ArrayList<>();
        Scenario.InTurn.inAlternatingOrder(List.of("A", "B", "C"), 4, order::add);
        assertThat(String.join("", order)).isEqualTo("ABCCBAABCCBA");
    }

    @Test
    void aSliceWithTheJitCompilersAtWorkIsMeasuredAgainUpToTheCap() {
        ProgressLines run = new ProgressLines();
        assertThat(Scenario.InTurn.measureAgain(run, withJit(0.03), 0)).isTrue();
        assertThat(run.lines)
                .containsExactly("slice measured again: the JIT compilers took 3.0% of the server's CPU in it");
        // under the share: kept
        assertThat(Scenario.InTurn.measureAgain(run, withJit(0.029), 0)).isFalse();
        // the cap reached: kept whatever its share, and no progress line claims otherwise
        assertThat(Scenario.InTurn.measureAgain(run, withJit(0.40), Scenario.InTurn.MAX_REPEATED_SLICES - 1))
                .isTrue();
        assertThat(Scenario.InTurn.measureAgain(run, withJit(0.40), Scenario.InTurn.MAX_REPEATED_SLICES))
                .isFalse();
        assertThat(run.lines).hasSize(2);
    }

    private static CpuMeter.Sample withJit(double jitShare) {
        return new CpuMeter.Sample(1.0, 0.5, jitShare, 0.5, 0.1, 1.0);
    }

    /** A run that only keeps its progress lines. */
    private static final class ProgressLines implements Run {
        final List<String> lines = new ArrayList<>();

        @Override
        public void progress(String message) {
            lines.add(message);
        }

        @Override
        public ServerKind server() {
            return ServerKind.COURIER;
        }

        @Override
        public LoadGen loadGen() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PeerProcess start(List<String> extraArgs) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void metric(String key, double value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path tempDir() {
            throw new UnsupportedOperationException();
        }
    }
}
