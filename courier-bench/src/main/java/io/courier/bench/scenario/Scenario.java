package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
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
        /**
         * Slices measured again per server at most, each in place of one in which the JIT compilers took {@link
         * Echo#SETTLED_JIT} or more of the server's CPU. Warm-up is no guarantee that the compilers are done: a path
         * first taken late (a read that ends inside a frame as pongs and requests meet, in a heartbeat round 75 s after
         * connecting) hits an uncommon trap in the event loop's compiled code, and C2 recompiling it on the server's
         * one core was the p99 of a whole server (4.82 ms against the ceiling's 1.66 in one round, with 4.8% JIT; 1.13
         * ms with none). The CPU figure leaves the compilers out anyway; with this the latencies do too, for the JVM
         * servers (Node's compilers cannot be told apart from its GC threads).
         */
        int MAX_REPEATED_SLICES = 4;

        /**
         * Whether the slice whose window read {@code sample} is to be measured again in its place: the JIT compilers
         * took {@link Echo#SETTLED_JIT} or more of the server's CPU in it, and the server has had fewer than {@link
         * #MAX_REPEATED_SLICES} slices measured again ({@code repeated}); a progress line says so.
         */
        static boolean measureAgain(Run run, CpuMeter.Sample sample, int repeated) {
            if (sample.jitShare() < Echo.SETTLED_JIT || repeated >= MAX_REPEATED_SLICES) {
                return false;
            }
            run.progress(String.format(
                    "slice measured again: the JIT compilers took %.1f%% of the server's CPU in it",
                    sample.jitShare() * 100));
            return true;
        }

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
