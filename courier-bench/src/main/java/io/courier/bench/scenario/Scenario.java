package io.courier.bench.scenario;

import io.courier.bench.ServerKind;

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
}
