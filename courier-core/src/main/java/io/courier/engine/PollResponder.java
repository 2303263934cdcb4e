package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import java.util.Collection;

/**
 * One pending long-poll GET, implemented by the HTTP layer. The session answers it exactly once, on the session's
 * event loop; the implementation may complete the HTTP response on another thread.
 */
public interface PollResponder {
    /** Answers 200 with the packets as a polling payload. */
    void respond(Collection<EngineIoPacket> packets);

    /** Answers with a plain 400 and no body (overlapping polls). */
    void reject();

    /** Answers with an Engine.IO error (JSON body). */
    void error(EngineIoError error);
}
