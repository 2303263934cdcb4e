package io.courier.engine;

import static io.courier.engine.EngineHarness.RS;
import static io.courier.engine.EngineHarness.UPGRADE_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.testing.LogCapture;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The switch from polling to WebSocket. The heartbeat is slower than the upgrade timeout here
 * (pingInterval 5 s, pingTimeout 5 s, upgradeTimeout 1 s), so waiting for the upgrade timer never hits a ping timeout.
 */
class EngineIoSessionUpgradeTest {
    private static final long PING_INTERVAL = 5_000;
    private static final long PING_TIMEOUT = 5_000;

    private final EngineHarness h = new EngineHarness(EngineHarness.config(PING_INTERVAL, PING_TIMEOUT, 1 << 20));
    private final EngineIoSession session = h.openPolling();
    private final TestSocket probe = h.newSocket();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void answersTheProbeOnTheProbeAndReleasesThePendingPollWithNoop() {
        RecordingPoll poll = h.poll(session);
        session.onUpgradeSocket(probe.transport);
        assertThat(probe.frames()).isEmpty();
        assertThat(poll.answers()).isEmpty();

        probe.sendText(session, "2probe");

        assertThat(probe.frames()).containsExactly("3probe");
        assertThat(poll.answers()).containsExactly("6");
        assertThat(session.transportName()).isEqualTo("polling");
    }

    @Test
    void answersEveryPollDuringTheUpgradeWithNoop() {
        startUpgrade();

        assertThat(h.poll(session).answers()).containsExactly("6");
        assertThat(h.poll(session).answers()).containsExactly("6");
    }

    @Test
    void sendsPacketsQueuedDuringTheUpgradeOnTheWebSocketAfterTheUpgradePacketInOrder() {
        session.send(EngineIoPacket.message("before probe")); // no poll pending: stays buffered
        RecordingPoll pausing = h.poll(session); // takes it
        assertThat(pausing.answers()).containsExactly("4before probe");
        session.send(EngineIoPacket.message("a"));
        session.onUpgradeSocket(probe.transport);
        probe.sendText(session, "2probe");
        assertThat(probe.frames()).containsExactly("3probe");

        session.send(EngineIoPacket.message("b"));
        session.send(EngineIoPacket.binary(new byte[] {1, 2}));
        RecordingPoll duringPause = h.poll(session);
        session.send(List.of(EngineIoPacket.message("c"), EngineIoPacket.message("d")), false);
        assertThat(probe.frames()).isEmpty();

        probe.sendText(session, "5");

        assertThat(duringPause.answers()).containsExactly("6");
        assertThat(probe.frames()).containsExactly("4a", "4b", "<binary 0102>", "4c", "4d");
        assertThat(session.transportName()).isEqualTo("websocket");

        session.send(EngineIoPacket.message("e"));
        assertThat(probe.frames()).containsExactly("4e");
    }

    @Test
    void releasesAPollStillPendingWhenTheUpgradeCompletes() {
        session.onUpgradeSocket(probe.transport);
        probe.sendText(session, "2probe");
        RecordingPoll poll = h.poll(session); // answered at once with a noop during the upgrade

        probe.sendText(session, "5");

        assertThat(poll.answers()).containsExactly("6");
    }

    @Test
    void queuesAPingDueDuringTheUpgradeAndSendsItOnTheWebSocket() {
        session.send(EngineIoPacket.message("a"));
        h.advance(PING_INTERVAL - 10);
        startUpgrade();

        h.advance(10); // the ping is due while the client pauses polling
        assertThat(probe.frames()).isEmpty();
        probe.sendText(session, "5");

        assertThat(probe.frames()).containsExactly("4a", "2");
        probe.sendText(session, "3");
        h.advance(PING_INTERVAL);
        assertThat(probe.frames()).containsExactly("2");
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void rejectsPollingAfterTheSwitchWithBadRequest() {
        completeUpgrade();

        RecordingPoll poll = h.poll(session);

        assertThat(poll.answers()).containsExactly("<error BAD_REQUEST>");
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void ignoresPostsAfterTheSwitch() {
        completeUpgrade();

        h.post(session, "4late" + RS + "1");

        assertThat(h.listener(session).messages).isEmpty();
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void deliversMessagesFromTheUpgradedSocketToTheListener() {
        h.post(session, "4over polling");
        completeUpgrade();

        probe.sendText(session, "4over websocket");
        probe.sendBinary(session, new byte[] {9});

        assertThat(h.listener(session).messages).containsExactly("over polling", "over websocket", "<binary 09>");
    }

    @Test
    void handlesAPostThatArrivesDuringTheUpgradeBeforeAnsweringIt() {
        startUpgrade();

        assertThat(h.post(session, "4sent while probing")).isEqualTo(EngineIoSession.PostOutcome.HANDLED);

        assertThat(h.listener(session).messages).containsExactly("sent while probing");
    }

    @Test
    void refusesAPostThatArrivesAfterTheSwitchAndDeliversNothingOfIt() {
        completeUpgrade();

        // the reference server answers 400: the client must not poll or post once it is on the WebSocket
        assertThat(h.post(session, "4too late")).isEqualTo(EngineIoSession.PostOutcome.NOT_POLLING);

        assertThat(h.listener(session).messages).isEmpty();
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void aSessionClosedDuringItsUpgradeSaysWhyInOneInfoLine() {
        startUpgrade();

        try (LogCapture log = LogCapture.of(EngineIoSession.class)) {
            session.abort(EngineIoCloseReason.PARSE_ERROR);

            assertThat(log.lines(Level.INFO))
                    .singleElement(InstanceOfAssertFactories.STRING)
                    .startsWith("INFO session " + session.sid())
                    .endsWith("closed during its upgrade to WebSocket: parse error");
        }
        assertThat(probe.isOpen()).isFalse();
    }

    @Test
    void closesASecondSocketWhileAnUpgradeIsInProgress() {
        session.onUpgradeSocket(probe.transport);
        TestSocket second = h.newSocket();

        session.onUpgradeSocket(second.transport);

        assertThat(second.frames()).containsExactly("<close 1000>");
        assertThat(second.isOpen()).isFalse();
        assertThat(probe.isOpen()).isTrue();
        probe.sendText(session, "2probe");
        assertThat(probe.frames()).containsExactly("3probe");
    }

    @Test
    void closesASocketArrivingAfterTheSwitch() {
        completeUpgrade();
        TestSocket late = h.newSocket();

        session.onUpgradeSocket(late.transport);

        assertThat(late.frames()).containsExactly("<close 1000>");
        assertThat(late.isOpen()).isFalse();
        assertThat(probe.isOpen()).isTrue();
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void ignoresFramesFromASocketThatIsNotTheSessions() {
        completeUpgrade();
        TestSocket stranger = h.newSocket();

        stranger.sendText(session, "4spoofed");
        stranger.sendText(session, "1");

        assertThat(h.listener(session).messages).isEmpty();
        assertThat(session.isOpen()).isTrue();
    }

    static Stream<String> notAProbeStep() {
        return Stream.of("4hello", "3probe", "3", "2", "2other", "1", "6", "5" /* before 2probe */);
    }

    @ParameterizedTest
    @MethodSource("notAProbeStep")
    void cancelsTheUpgradeOnAnyOtherPacketOnTheProbeAndGoesOnPolling(String frame) {
        session.onUpgradeSocket(probe.transport);

        probe.sendText(session, frame);

        assertThat(probe.frames()).containsExactly("<close 1000>");
        assertThat(probe.isOpen()).isFalse();
        assertPollingGoesOn();
    }

    @Test
    void cancelsTheUpgradeOnAnUnexpectedPacketAfterTheProbeAndFlushesWhatWasQueued() {
        startUpgrade();
        session.send(EngineIoPacket.message("queued"));

        probe.sendText(session, "4hello");

        assertThat(probe.frames()).containsExactly("<close 1000>");
        assertThat(h.poll(session).answers()).containsExactly("4queued");
        assertPollingGoesOn();
    }

    @Test
    void cancelsTheUpgradeOnASecondProbe() {
        startUpgrade();

        probe.sendText(session, "2probe");

        assertThat(probe.frames()).containsExactly("<close 1000>");
        assertPollingGoesOn();
    }

    @Test
    void closesAProbeThatNeverSendsTheUpgradePacketAfterUpgradeTimeout() {
        RecordingPoll poll = h.poll(session);
        session.onUpgradeSocket(probe.transport);
        probe.sendText(session, "2probe");
        assertThat(probe.frames()).containsExactly("3probe");
        assertThat(poll.answers()).containsExactly("6");
        session.send(EngineIoPacket.message("queued"));

        h.advance(UPGRADE_TIMEOUT - 1);
        assertThat(probe.isOpen()).isTrue();
        assertThat(probe.frames()).isEmpty();

        h.advance(1);
        assertThat(probe.frames()).containsExactly("<close 1000>");
        assertThat(probe.isOpen()).isFalse();
        assertThat(session.transportName()).isEqualTo("polling");
        assertThat(h.poll(session).answers()).containsExactly("4queued");

        probe.sendText(session, "5"); // too late: the probe is no longer the session's
        assertThat(session.transportName()).isEqualTo("polling");
    }

    @Test
    void closesAProbeThatNeverSendsTheProbePacketAfterUpgradeTimeout() {
        session.onUpgradeSocket(probe.transport);

        h.advance(UPGRADE_TIMEOUT);

        assertThat(probe.frames()).containsExactly("<close 1000>");
        assertPollingGoesOn();
    }

    @Test
    void goesOnPollingWhenTheClientClosesTheProbe() {
        startUpgrade();
        session.send(EngineIoPacket.message("queued"));

        session.onWebSocketClosed(probe.transport, EngineIoCloseReason.TRANSPORT_CLOSE);

        assertThat(h.poll(session).answers()).containsExactly("4queued");
        assertPollingGoesOn();
    }

    @Test
    void acceptsANewUpgradeAfterACancelledOne() {
        session.onUpgradeSocket(probe.transport);
        h.advance(UPGRADE_TIMEOUT);
        TestSocket retry = h.newSocket();

        session.onUpgradeSocket(retry.transport);
        retry.sendText(session, "2probe");
        retry.sendText(session, "5");

        assertThat(retry.frames()).containsExactly("3probe");
        assertThat(session.transportName()).isEqualTo("websocket");
    }

    @Test
    void keepsNoUpgradeTimerAfterTheSwitch() {
        completeUpgrade();

        assertThat(h.timers()).isEqualTo(1); // the next ping only
        h.advance(UPGRADE_TIMEOUT);
        assertThat(probe.isOpen()).isTrue();
    }

    @Test
    void closesTheSessionWhenTheUpgradedSocketCloses() {
        completeUpgrade();

        session.onWebSocketClosed(probe.transport, EngineIoCloseReason.TRANSPORT_ERROR);

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
    }

    @Test
    void closesTheProbeWhenTheSessionCloses() {
        startUpgrade();

        session.abort(EngineIoCloseReason.PARSE_ERROR);

        assertThat(probe.frames()).containsExactly("<close 1000>");
        assertThat(probe.isOpen()).isFalse();
    }

    @Test
    void flushesPacketsBufferedDuringTheUpgradeOnTheWebSocketWhenTheServerClosesMeanwhile() {
        startUpgrade();
        session.send(EngineIoPacket.message("last words"));
        session.close(EngineIoCloseReason.FORCED_CLOSE);

        probe.sendText(session, "5");

        assertThat(probe.frames()).containsExactly("4last words", "<close 1000>");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
    }

    /** The client has probed: 3probe received, polling paused. */
    private void startUpgrade() {
        session.onUpgradeSocket(probe.transport);
        probe.sendText(session, "2probe");
        assertThat(probe.frames()).containsExactly("3probe");
    }

    private void completeUpgrade() {
        startUpgrade();
        probe.sendText(session, "5");
        assertThat(session.transportName()).isEqualTo("websocket");
    }

    private void assertPollingGoesOn() {
        assertThat(session.isOpen()).isTrue();
        assertThat(session.transportName()).isEqualTo("polling");
        RecordingPoll poll = h.poll(session);
        session.send(EngineIoPacket.message("still polling"));
        assertThat(poll.answers()).containsExactly("4still polling");
        assertThat(h.listener(session).messages).isEmpty();
        assertThat(h.listener(session).closes).isEmpty();
    }
}
