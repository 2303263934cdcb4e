package io.courier.engine;

import static io.courier.engine.EngineHarness.LINGER;
import static io.courier.engine.EngineHarness.PING_INTERVAL;
import static io.courier.engine.EngineHarness.PING_TIMEOUT;
import static io.courier.engine.EngineHarness.RS;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.codec.EngineIoPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Closing a polling session, from either side. */
class EngineIoSessionCloseTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    // ---- the client closes ----------------------------------------------------------------------------------------

    @Test
    void releasesThePendingPollWithNoopWhenTheClientCloses() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        h.post(session, "1");

        assertThat(poll.answers()).containsExactly("6");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_CLOSE);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
        assertThat(h.timers()).isZero();
    }

    @Test
    void answersAPollArrivingJustAfterTheClientCloseWithNoop() {
        // the close POST overtook the client's own poll, which went out on another connection
        EngineIoSession session = h.openPolling();

        h.post(session, "1");

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_CLOSE);
        assertThat(session.isOpen()).isFalse();
        assertThat(h.server.session(session.sid())).isSameAs(session);

        h.advance(LINGER - 1);
        assertThat(h.poll(session).answers()).containsExactly("6");
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_CLOSE);
    }

    @Test
    void forgetsAClientClosedSessionAfterTheLingerPeriod() {
        EngineIoSession session = h.openPolling();
        h.post(session, "1");

        h.advance(LINGER - 1);
        assertThat(h.server.session(session.sid())).isSameAs(session);

        h.advance(1);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
        assertThat(h.timers()).isZero();
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_CLOSE);
    }

    @Test
    void ignoresWhatTheClientPostsAfterItsClose() {
        EngineIoSession session = h.openPolling();

        h.post(session, "4before" + RS + "1" + RS + "4after");
        h.post(session, "4later");

        assertThat(h.listener(session).messages).containsExactly("before");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_CLOSE);
    }

    // ---- the server closes ----------------------------------------------------------------------------------------

    @Test
    void flushesBufferedPacketsThenCloseToTheNextPollWhenTheServerCloses() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("a"));
        session.send(EngineIoPacket.binary(new byte[] {1, 2, 3, 4}));
        session.send(EngineIoPacket.message("b"));

        session.close(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(session.isOpen()).isFalse();
        // the layers above learn at once (sockets leave, recovery saves them); the goodbye still waits for a poll
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(h.server.session(session.sid())).isSameAs(session);

        RecordingPoll poll = h.poll(session);

        assertThat(poll.answers()).containsExactly("4a" + RS + "bAQIDBA==" + RS + "4b" + RS + "1");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
        assertThat(h.timers()).isZero();
    }

    @Test
    void dropsPacketsSentAfterTheServerClose() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("a"));
        session.close(EngineIoCloseReason.FORCED_CLOSE);

        session.send(EngineIoPacket.message("b"));
        h.post(session, "4ignored" + RS + "3");

        assertThat(h.poll(session).answers()).containsExactly("4a" + RS + "1");
        assertThat(h.listener(session).messages).isEmpty();
    }

    @Test
    void answersThePendingPollWithCloseWhenTheServerCloses() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        session.close(EngineIoCloseReason.FORCED_CLOSE);

        assertThat(poll.answers()).containsExactly("1");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(h.server.session(session.sid())).isNull();
    }

    @Test
    void endsAClosingSessionThatIsNeverPolledAfterPingIntervalPlusPingTimeout() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("a"));
        session.close(EngineIoCloseReason.FORCED_CLOSE);

        h.advance(PING_INTERVAL + PING_TIMEOUT - 1);
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(h.server.session(session.sid())).isSameAs(session);

        h.advance(1);
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.timers()).isZero();
    }

    @Test
    void closingTwiceClosesOnce() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        session.close(EngineIoCloseReason.FORCED_CLOSE);
        session.close(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        session.abort(EngineIoCloseReason.PARSE_ERROR);
        h.post(session, "1");

        assertThat(poll.answers()).containsExactly("1");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
    }

    @Test
    void abortDiscardsBufferedPackets() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("a"));

        session.abort(EngineIoCloseReason.PARSE_ERROR);

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PARSE_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
    }

    @Test
    void closeAllClosesEverySessionAndFlushesWhatEachBuffered() {
        EngineIoSession idle = h.openPolling();
        RecordingPoll idlePoll = h.poll(idle);
        EngineIoSession busy = h.openPolling();
        busy.send(EngineIoPacket.message("bye"));
        EngineIoSession websocket = h.openWebSocket();

        h.server.closeAll(EngineIoCloseReason.SERVER_SHUTTING_DOWN);

        assertThat(idlePoll.answers()).containsExactly("1");
        assertThat(h.listener(idle).closes).containsExactly(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        assertThat(h.listener(websocket).closes).containsExactly(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        assertThat(h.socket.isOpen()).isFalse();
        assertThat(h.poll(busy).answers()).containsExactly("4bye" + RS + "1");
        assertThat(h.server.sessionCount()).isZero();
    }

    @Test
    void aSessionOpenedAfterCloseAllIsClosedAtOnce() {
        h.server.closeAll(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        EngineIoSession late = h.openPolling();

        assertThat(h.server.closing()).isTrue();
        assertThat(h.listener(late).closes).containsExactly(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        assertThat(h.poll(late).answers()).containsExactly("1");
        assertThat(h.server.sessionCount()).isZero();
    }

    @Test
    void reportsTheGivenReasonWhenTheNextPollCollectsTheLastPackets() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("bye"));

        h.server.closeAll(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
        h.poll(session);

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.SERVER_SHUTTING_DOWN);
    }

    @Test
    void answersTheNextPollWithCloseWhenTheServerClosesAnIdleSession() {
        EngineIoSession session = h.openPolling();

        session.close(EngineIoCloseReason.FORCED_CLOSE);
        RecordingPoll poll = h.poll(session);

        // a bare close, or what the reference answers: a noop, then the close
        assertThat(poll.answers()).singleElement().isIn("1", "6" + RS + "1");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
    }

    // ---- the pending poll's connection goes away ------------------------------------------------------------------

    @Test
    void closesTheSessionWhenItsPendingPollIsAborted() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        session.onPollAborted(poll);

        assertThat(session.isOpen()).isFalse();
        assertThat(h.listener(session).closes).hasSize(1);
        assertThat(poll.answers()).isEmpty();
    }

    @Test
    void closesWithTransportErrorAndForgetsTheSessionWhenItsPendingPollIsAborted() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        session.onPollAborted(poll);

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
    }

    @Test
    void ignoresTheAbortOfAPollThatWasAlreadyAnswered() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);
        session.send(EngineIoPacket.message("a"));

        session.onPollAborted(poll);

        assertThat(poll.answers()).containsExactly("4a");
        assertThat(session.isOpen()).isTrue();
        assertThat(h.listener(session).closes).isEmpty();
    }
}
