package io.courier.engine;

import static io.courier.engine.EngineHarness.RS;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.codec.EngineIoPacket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP long-polling: one pending GET, answered with everything buffered. */
class EngineIoSessionPollingTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void holdsAPollUntilAPacketIsSent() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);
        assertThat(poll.answers()).isEmpty();

        session.send(EngineIoPacket.message("hello"));

        assertThat(poll.answers()).containsExactly("4hello");
    }

    @Test
    void answersAPollAtOnceWhenPacketsAreBuffered() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("hello"));

        assertThat(h.poll(session).answers()).containsExactly("4hello");
    }

    @Test
    void deliversPacketsBufferedWithoutAPollInOrderInOneResponse() {
        EngineIoSession session = h.openPolling();
        session.send(EngineIoPacket.message("a"));
        session.send(EngineIoPacket.binary(new byte[] {1, 2, 3, 4}));
        session.send(List.of(EngineIoPacket.message("b"), EngineIoPacket.message("c")), false);
        session.send(EngineIoPacket.message("d\u00e9"));

        RecordingPoll poll = h.poll(session);
        RecordingPoll next = h.poll(session);

        assertThat(poll.answers()).containsExactly("4a" + RS + "bAQIDBA==" + RS + "4b" + RS + "4c" + RS + "4d\u00e9");
        assertThat(next.answers()).isEmpty();
    }

    @Test
    void answersEveryPollExactlyOnceAndLosesNothingInBetween() {
        EngineIoSession session = h.openPolling();
        RecordingPoll first = h.poll(session);
        session.send(EngineIoPacket.message("1"));
        session.send(EngineIoPacket.message("2")); // buffered: the first poll is already answered
        RecordingPoll second = h.poll(session);
        RecordingPoll third = h.poll(session);
        session.send(EngineIoPacket.message("3"));

        assertThat(first.answers()).containsExactly("41");
        assertThat(second.answers()).containsExactly("42");
        assertThat(third.answers()).containsExactly("43");
    }

    @Test
    void rejectsASecondPollWhileOneIsPendingAndClosesTheSession() {
        EngineIoSession session = h.openPolling();
        RecordingPoll first = h.poll(session);

        RecordingPoll second = h.poll(session);

        assertThat(second.answers()).containsExactly("<rejected>");
        assertThat(first.answers()).containsExactly("1");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(session.isOpen()).isFalse();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
        assertThat(h.timers()).isZero();
    }

    @Test
    void deliversClientMessagesToTheListenerInOrder() {
        EngineIoSession session = h.openPolling();

        h.post(session, "4a" + RS + "bAQIDBA==" + RS + "4b");
        h.post(session, "4c\u00e9\ud83d\ude00" + RS + "b");

        assertThat(h.listener(session).messages)
                .containsExactly("a", "<binary 01020304>", "b", "c\u00e9\ud83d\ude00", "<binary >");
    }

    @Test
    void deliversAnEmptyTextMessage() {
        EngineIoSession session = h.openPolling();

        h.post(session, "4");

        assertThat(h.listener(session).messages).containsExactly("");
    }

    @Test
    void ignoresNoopAndUpgradePacketsPostedOnPolling() {
        EngineIoSession session = h.openPolling();

        h.post(session, "6" + RS + "5" + RS + "4x");

        assertThat(h.listener(session).messages).containsExactly("x");
        assertThat(session.isOpen()).isTrue();
        assertThat(session.transportName()).isEqualTo("polling");
    }

    @Test
    void closesWithParseErrorWhenTheClientSendsAnOpenPacket() {
        EngineIoSession session = h.openPolling();

        h.post(session, "4before" + RS + "0{}" + RS + "4after");

        assertThat(h.listener(session).messages).containsExactly("before");
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PARSE_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
    }

    @Test
    void sendsNothingAfterTheSessionClosed() {
        EngineIoSession session = h.openPolling();
        session.abort(EngineIoCloseReason.PARSE_ERROR);

        session.send(EngineIoPacket.message("late"));

        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
    }

    @Test
    void rejectsPostsOverlappingInFlight() {
        EngineIoSession session = h.openPolling();

        assertThat(session.beginPost()).isTrue();
        assertThat(session.beginPost()).isFalse();
        session.endPost();
        assertThat(session.beginPost()).isTrue();
    }

    @Test
    void closesWithParseErrorWhenTheListenerThrows() {
        EngineIoServer server = new EngineIoServer(EngineHarness.config(), s -> new EngineIoSession.Listener() {
            @Override
            public void onMessage(EngineIoSession session, String text) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onBinary(EngineIoSession session, byte[] data) {}

            @Override
            public void onClose(EngineIoSession session, EngineIoCloseReason reason) {}
        });
        EngineIoSession session = server.openPolling(h.loop.eventLoop(), EngineHarness.request("polling"));
        RecordingPoll poll = h.poll(session);

        h.post(session, "4x");

        assertThat(session.isOpen()).isFalse();
        assertThat(server.session(session.sid())).isNull();
        assertThat(poll.answers()).containsExactly("1");
    }
}
