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

        /**
         * Runs {@code slice} on each of {@code servers}, {@code passes} times, every second pass in the reverse order
         * (A B C, C B A, ...): a server measured last in one pass is measured first in the next.
         */
        static <T> void inAlternatingOrder(List<T> servers, int passes, Slice<T> slice) throws Exception {
            for (int pass = 0; pass < passes; pass++) {
                for (int i = 0; i < servers.size(); i++) {
                    slice.run(servers.get(pass % 2 == 0 ? i : servers.size() - 1 - i));
                }
            }
        }

        /** One server's slice of an in-turn measurement. */
        @FunctionalInterface
        interface Slice<T> {
            void run(T server) throws Exception;
        }
    }
}
