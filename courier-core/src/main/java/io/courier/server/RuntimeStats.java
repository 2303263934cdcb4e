package io.courier.server;

import io.courier.internal.StripedCounters;

/** Socket.IO-level counters of one server, for metrics. */
public final class RuntimeStats {
    private static final int EVENTS_IN = 0;
    private static final int EVENTS_OUT = 1;
    private static final int ACKS_PENDING = 2;
    private final StripedCounters counters = new StripedCounters(3);

    void eventIn() {
        counters.add(EVENTS_IN, 1);
    }

    void eventOut() {
        counters.add(EVENTS_OUT, 1);
    }

    void ackExpected() {
        counters.add(ACKS_PENDING, 1);
    }

    void acksExpected(int count) {
        counters.add(ACKS_PENDING, count);
    }

    void acksSettled(int count) {
        counters.add(ACKS_PENDING, -count);
    }

    /** Events received from clients. */
    public long eventsIn() {
        return counters.sum(EVENTS_IN);
    }

    /** Events sent to clients, counted per recipient (a broadcast to 100 sockets counts 100). */
    public long eventsOut() {
        return counters.sum(EVENTS_OUT);
    }

    /** Server-to-client events waiting for the client's acknowledgement. */
    public long acksPending() {
        return counters.sum(ACKS_PENDING);
    }
}
