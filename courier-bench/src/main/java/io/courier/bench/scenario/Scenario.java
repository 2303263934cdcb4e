package io.courier.bench.scenario;

import io.courier.bench.ServerKind;
import java.util.List;

/** One measurement the harness runs against each server in turn; it reports metrics through its {@link Run}. */
public interface Scenario {
    /** The name on the command line ({@code --scenario fanout,echo}) and the prefix of its metrics. */
    String id();

    /** What it measures, one line. */
    String description();

    /**
     * Whether the scenario applies to this server (the ceiling has no polling; durable queues are Courier's; Courier
     * with an inline echo listener differs from Courier only in the echo scenario).
     */
    default boolean supports(ServerKind server) {
        return server != ServerKind.COURIER_INLINE;
    }

    void run(Run run) throws Exception;

    /**
     * A scenario that measures every server of a round together: all of them started, then measured in turn in short
     * slices (A B C, C B A, ...), so that what the shared host does over the round (other tenants, its slower swings)
     * falls on every server alike, not on whichever one ran in that minute. {@link #run} measures one server alone.
     */
    interface InTurn extends Scenario {
        /** Runs the scenario against every run's server at once, one {@link Run} per server. */
        void runInTurn(List<Run> runs) throws Exception;

        @Override
        default void run(Run run) throws Exception {
            runInTurn(List.of(run));
        }
    }
}
