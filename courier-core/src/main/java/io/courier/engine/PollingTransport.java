package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import java.util.Collection;
import java.util.List;

/** HTTP long-polling: at most one pending GET, answered with everything buffered. */
final class PollingTransport implements Transport {
    private PollResponder pending;

    @Override
    public String name() {
        return EngineIoConfig.POLLING;
    }

    @Override
    public boolean writable() {
        return pending != null;
    }

    boolean hasPendingPoll() {
        return pending != null;
    }

    boolean isPending(PollResponder r) {
        return pending == r;
    }

    void hold(PollResponder r) {
        pending = r;
    }

    @Override
    public void send(Collection<EngineIoPacket> packets) {
        PollResponder r = pending;
        pending = null;
        r.respond(packets);
    }

    @Override
    public long pendingBytes() {
        return 0;
    }

    /** Answers a pending GET with a single packet, if one is pending. */
    void release(EngineIoPacket packet) {
        if (pending != null) {
            send(List.of(packet));
        }
    }

    @Override
    public void close(EngineIoPacket last) {
        release(last);
    }
}
