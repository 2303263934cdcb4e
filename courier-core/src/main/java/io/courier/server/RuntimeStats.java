package io.courier.server;

import java.util.concurrent.atomic.LongAdder;

/** Socket.IO-level counters of one server, for metrics. */
public final class RuntimeStats {
    private final LongAdder eventsIn = new LongAdder();
    private final LongAdder eventsOut = new LongAdder();
    private final LongAdder acksPending = new LongAdder();

    void eventIn() {
        eventsIn.increment();
    }

    void eventOut() {
        eventsOut.increment();
    }

    void ackExpected() {
        acksPending.increment();
    }

    void acksSettled(int count) {
        acksPending.add(-count);
    }

    /** Events received from clients. */
    public long eventsIn() {
        return eventsIn.sum();
    }

    /** Events sent to clients, counted per recipient (a broadcast to 100 sockets counts 100). */
    public long eventsOut() {
        return eventsOut.sum();
    }

    /** Server-to-client events waiting for the client's acknowledgement. */
    public long acksPending() {
        return acksPending.sum();
    }
}
