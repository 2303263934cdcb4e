package io.courier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketType;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A session that started on WebSocket: one packet per frame, binary as binary frames. */
class EngineIoWebSocketSessionTest {
    private final EngineHarness h = new EngineHarness();
    private EngineIoSession session;

    @BeforeEach
    void open() {
        session = h.openWebSocket();
        assertThat(h.socket.frames()).singleElement().asString().startsWith("0{");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void sendsEachPacketAsOneFrame() {
        session.send(EngineIoPacket.message("a"));
        session.send(List.of(EngineIoPacket.message("b"), EngineIoPacket.binary(new byte[] {1, 2, 3})), false);
        session.send(EngineIoPacket.binary(new byte[0]));
        session.send(EngineIoPacket.message("\u00e9\ud83d\ude00"));

        assertThat(h.socket.frames())
                .containsExactly("4a", "4b", "<binary 010203>", "<binary >", "4\u00e9\ud83d\ude00");
    }

    @Test
    void sendsTheSamePacketToSeveralSessions() {
        EngineIoPacket shared = EngineIoPacket.binary(new byte[] {4, 2});
        EngineIoSession polling = h.openPolling();
        RecordingPoll poll = h.poll(polling);

        session.send(shared);
        polling.send(shared);
        session.send(shared);

        assertThat(h.socket.frames()).containsExactly("<binary 0402>", "<binary 0402>");
        assertThat(poll.answers()).containsExactly("bBAI=");
    }

    @Test
    void deliversClientFramesToTheListenerInOrder() {
        h.socket.sendText(session, "4first");
        h.socket.sendBinary(session, new byte[] {1, 2, 3, 4});
        h.socket.sendText(session, "4");
        h.socket.sendBinary(session, new byte[0]);
        h.socket.sendText(session, "4last \u00e9");

        assertThat(h.listener(session).messages)
                .containsExactly("first", "<binary 01020304>", "", "<binary >", "last \u00e9");
    }

    @Test
    void ignoresUpgradeAndNoopPackets() {
        h.socket.sendText(session, "5");
        h.socket.sendText(session, "6");

        assertThat(session.isOpen()).isTrue();
        assertThat(h.socket.frames()).isEmpty();
    }

    @Test
    void closesTheSessionWhenTheClientSendsClose() {
        h.socket.sendText(session, "1");

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_CLOSE);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.socket.frames()).containsExactly("<close 1000>");
        assertThat(h.socket.isOpen()).isFalse();
    }

    @Test
    void closesWithParseErrorWhenTheClientSendsAnOpenPacket() {
        h.socket.sendText(session, "0{}");

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.PARSE_ERROR);
    }

    @Test
    void closesTheSessionWithTheReasonGivenWhenTheSocketCloses() {
        session.onWebSocketClosed(h.socket.transport, EngineIoCloseReason.TRANSPORT_ERROR);

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.TRANSPORT_ERROR);
        assertThat(h.server.session(session.sid())).isNull();
    }

    @Test
    void sendsACloseFrameWhenTheServerCloses() {
        session.send(EngineIoPacket.message("bye"));

        session.close(EngineIoCloseReason.FORCED_CLOSE);

        assertThat(h.socket.frames()).containsExactly("4bye", "<close 1000>");
        assertThat(h.socket.isOpen()).isFalse();
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(h.server.session(session.sid())).isNull();
    }

    @Test
    void sendsNothingAfterTheSessionClosed() {
        session.abort(EngineIoCloseReason.PARSE_ERROR);
        h.socket.frames();

        session.send(EngineIoPacket.message("late"));
        session.send(EngineIoPacket.text(EngineIoPacketType.NOOP, ""));

        assertThat(h.socket.frames()).isEmpty();
    }

    @Test
    void refusesPollsWithBadRequest() {
        assertThat(h.poll(session).answers()).containsExactly("<error BAD_REQUEST>");
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void ignoresPosts() {
        h.post(session, "4posted");

        assertThat(h.listener(session).messages).isEmpty();
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void closesAnUpgradeSocketForASessionAlreadyOnWebSocket() {
        TestSocket other = h.newSocket();

        session.onUpgradeSocket(other.transport);

        assertThat(other.frames()).containsExactly("<close 1000>");
        assertThat(other.isOpen()).isFalse();
        assertThat(session.isOpen()).isTrue();
        assertThat(h.socket.isOpen()).isTrue();
    }
}
