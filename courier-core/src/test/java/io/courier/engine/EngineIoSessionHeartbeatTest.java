package io.courier.engine;

import static io.courier.engine.EngineHarness.PING_INTERVAL;
import static io.courier.engine.EngineHarness.PING_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server-driven heartbeat, on virtual time: pingInterval 300 ms, pingTimeout 200 ms. */
class EngineIoSessionHeartbeatTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void sendsAPingAfterPingInterval() {
        h.openWebSocket();
        h.socket.frames(); // the open packet

        h.advance(PING_INTERVAL - 1);
        assertThat(h.socket.frames()).isEmpty();

        h.advance(1);
        assertThat(h.socket.frames()).containsExactly("2");
    }

    @Test
    void answersThePendingPollWithThePingAfterPingInterval() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        h.advance(PING_INTERVAL - 1);
        assertThat(poll.answers()).isEmpty();

        h.advance(1);
        assertThat(poll.answers()).containsExactly("2");
    }

    @Test
    void queuesThePingForTheNextPollWhenNoneIsPending() {
        EngineIoSession session = h.openPolling();

        h.advance(PING_INTERVAL + 50);

        assertThat(h.poll(session).answers()).containsExactly("2");
    }

    @Test
    void rearmsTheNextPingPingIntervalAfterThePong() {
        EngineIoSession session = h.openWebSocket();
        h.socket.frames();
        h.advance(PING_INTERVAL);
        assertThat(h.socket.frames()).containsExactly("2");

        h.advance(150);
        h.socket.sendText(session, "3");
        h.advance(PING_INTERVAL - 1);
        assertThat(h.socket.frames()).isEmpty();

        h.advance(1);
        assertThat(h.socket.frames()).containsExactly("2");
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void rearmsTheNextPingAfterAPongPostedOverPolling() {
        EngineIoSession session = h.openPolling();
        h.advance(PING_INTERVAL);
        assertThat(h.poll(session).answers()).containsExactly("2");

        h.advance(PING_TIMEOUT - 1);
        h.post(session, "3");
        RecordingPoll next = h.poll(session);
        h.advance(PING_INTERVAL - 1);
        assertThat(next.answers()).isEmpty();

        h.advance(1);
        assertThat(next.answers()).containsExactly("2");
        assertThat(h.listener(session).closes).isEmpty();
    }

    @Test
    void closesSessionWhenPongIsLate() {
        EngineIoSession session = h.openWebSocket();
        h.socket.frames();
        h.advance(PING_INTERVAL);
        assertThat(h.socket.frames()).containsExactly("2");

        h.advance(PING_TIMEOUT - 1);
        assertThat(session.isOpen()).isTrue();
        assertThat(h.listener(session).closes).isEmpty();

        h.advance(1);
        assertThat(session.isOpen()).isFalse();
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.socket.frames()).containsExactly("<close 1000>");
        assertThat(h.socket.isOpen()).isFalse();

        h.socket.sendText(session, "3"); // too late
        h.advance(10 * PING_INTERVAL);
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
    }

    @Test
    void closesAPollingSessionWhosePingWasNeverPolledAfterPingTimeout() {
        // the pong deadline runs from the moment the ping is queued, even if no poll ever picks it up
        EngineIoSession session = h.openPolling();

        h.advance(PING_INTERVAL + PING_TIMEOUT - 1);
        assertThat(session.isOpen()).isTrue();

        h.advance(1);
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
        assertThat(h.timers()).isZero();
    }

    @Test
    void answersThePendingPollWithCloseOnPingTimeout() {
        EngineIoSession session = h.openPolling();
        RecordingPoll first = h.poll(session);
        h.advance(PING_INTERVAL);
        assertThat(first.answers()).containsExactly("2");
        RecordingPoll second = h.poll(session);

        h.advance(PING_TIMEOUT);

        assertThat(second.answers()).containsExactly("1");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
        assertThat(h.server.session(session.sid())).isNull();
    }

    @Test
    void ignoresUnsolicitedPongsAndCreatesNoTimerForThem() {
        EngineIoSession session = h.openWebSocket();
        h.socket.frames();
        int timers = h.timers();
        assertThat(timers).isEqualTo(1); // the next ping

        h.advance(100);
        h.socket.sendText(session, "3");
        h.socket.sendText(session, "3");
        assertThat(h.timers()).isEqualTo(timers);

        // the cadence is unchanged: the ping still goes out pingInterval after the handshake
        h.advance(PING_INTERVAL - 100 - 1);
        assertThat(h.socket.frames()).isEmpty();
        h.advance(1);
        assertThat(h.socket.frames()).containsExactly("2");

        h.advance(50);
        h.socket.sendText(session, "3"); // the answer
        h.socket.sendText(session, "3"); // a duplicate
        assertThat(h.timers()).isEqualTo(timers);

        h.advance(PING_INTERVAL);
        assertThat(h.socket.frames()).containsExactly("2");
        assertThat(session.isOpen()).isTrue();
        assertThat(h.listener(session).closes).isEmpty();
    }

    @Test
    void doesNotCountAnUnsolicitedPongAsTheAnswerToTheNextPing() {
        EngineIoSession session = h.openWebSocket();
        h.advance(PING_INTERVAL - 1);
        h.socket.sendText(session, "3"); // one ms before the ping

        h.advance(1 + PING_TIMEOUT);

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
    }

    @Test
    void keepsTheCadenceOverManyRoundTrips() {
        EngineIoSession session = h.openWebSocket();
        h.socket.frames();

        for (int i = 0; i < 50; i++) {
            h.advance(PING_INTERVAL);
            assertThat(h.socket.frames()).as("round %d", i).containsExactly("2");
            h.advance(PING_TIMEOUT - 1);
            h.socket.sendText(session, "3");
            assertThat(h.timers()).isEqualTo(1);
        }
        assertThat(h.listener(session).closes).isEmpty();
    }

    @Test
    void clientMessagesDoNotReplaceThePong() {
        EngineIoSession session = h.openWebSocket();
        h.advance(PING_INTERVAL);

        h.advance(50);
        h.socket.sendText(session, "4busy");
        h.advance(100);
        h.socket.sendText(session, "4still busy");
        h.advance(PING_TIMEOUT - 150);

        assertThat(h.listener(session).messages).containsExactly("busy", "still busy");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
    }

    @Test
    void closesWithParseErrorWhenTheClientPingsOverWebSocket() {
        EngineIoSession session = h.openWebSocket();

        h.socket.sendText(session, "2");

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PARSE_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.socket.isOpen()).isFalse();
    }

    @Test
    void closesWithParseErrorWhenTheClientPingsOverPolling() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        h.post(session, "2");

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PARSE_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(poll.answers()).containsExactly("1");
        assertThat(h.timers()).isZero();
    }

    @Test
    void stopsPingingAClosedSession() {
        EngineIoSession session = h.openPolling();
        session.close(EngineIoCloseReason.FORCED_CLOSE);

        h.advance(10 * PING_INTERVAL);

        assertThat(h.timers()).isZero();
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
    }

    @Test
    void theSessionsOfOneLoopShareOneTimerPerKindOfDeadline() {
        EngineIoSession a = h.openPolling();
        h.advance(50);
        EngineIoSession b = h.openPolling();
        h.advance(50);
        EngineIoSession c = h.openPolling();
        assertThat(h.timers()).as("one timer for the three pings").isEqualTo(1);

        h.advance(PING_INTERVAL - 100); // a's ping
        assertThat(h.timers()).as("the pings' timer and the pongs' timer").isEqualTo(2);
        h.post(a, "3");
        h.advance(50); // b's ping
        h.advance(50); // c's ping
        h.post(c, "3");
        h.advance(PING_TIMEOUT - 50 - 1);
        assertThat(h.listener(b).closes).as("b's pong is not late yet").isEmpty();
        h.advance(1);

        assertThat(h.listener(b).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
        assertThat(h.listener(a).closes).isEmpty();
        assertThat(h.listener(c).closes).isEmpty();
        assertThat(h.timers()).as("only the pings are waited for").isEqualTo(1);
        h.advance(PING_INTERVAL + PING_TIMEOUT); // a and c do not answer their second ping
        assertThat(h.listener(a).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
        assertThat(h.listener(c).closes).containsExactly(EngineIoCloseReason.PING_TIMEOUT);
        assertThat(h.timers()).isZero();
    }
}
