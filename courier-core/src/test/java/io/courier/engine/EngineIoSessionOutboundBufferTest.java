package io.courier.engine;

import static io.courier.engine.EngineHarness.RS;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.codec.EngineIoPacket;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The session's outbound bound ({@code maxBufferedBytes}) and droppable (volatile) sends. */
class EngineIoSessionOutboundBufferTest {
    private static final long BOUND = 100;

    private final EngineHarness h = new EngineHarness(EngineHarness.config(BOUND));

    @AfterEach
    void tearDown() {
        h.close();
    }

    // ---- droppable sends ------------------------------------------------------------------------------------------

    @Test
    void dropsADroppablePacketWhenNoPollIsPending() {
        EngineIoSession session = h.openPolling();

        session.send(List.of(EngineIoPacket.message("volatile")), true);
        RecordingPoll poll = h.poll(session);
        assertThat(poll.answers()).isEmpty();
        session.send(EngineIoPacket.message("kept"));

        assertThat(poll.answers()).containsExactly("4kept");
    }

    @Test
    void deliversADroppablePacketWhenAPollIsPending() {
        EngineIoSession session = h.openPolling();
        RecordingPoll poll = h.poll(session);

        session.send(List.of(EngineIoPacket.message("volatile"), EngineIoPacket.binary(new byte[] {7})), true);

        assertThat(poll.answers()).containsExactly("4volatile" + RS + "bBw==");
    }

    @Test
    void dropsADroppablePacketDuringTheUpgrade() {
        EngineIoSession session = h.openPolling();
        TestSocket probe = h.newSocket();
        session.onUpgradeSocket(probe.transport);
        probe.sendText(session, "2probe");
        RecordingPoll poll = h.poll(session);

        session.send(List.of(EngineIoPacket.message("volatile")), true);
        session.send(EngineIoPacket.message("kept"));
        probe.sendText(session, "5");

        assertThat(poll.answers()).containsExactly("6");
        assertThat(probe.frames()).containsExactly("3probe", "4kept");
    }

    @Test
    void sendsADroppablePacketOnAWritableWebSocket() {
        EngineIoSession session = h.openWebSocket();
        h.socket.frames();

        session.send(List.of(EngineIoPacket.message("volatile")), true);

        assertThat(h.socket.frames()).containsExactly("4volatile");
    }

    @Test
    void dropsADroppablePacketWhenTheWebSocketIsNotWritable() {
        try (EngineHarness ws = new EngineHarness()) {
            HeldFlushes held = new HeldFlushes();
            ws.loop.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
            ws.loop.pipeline().addLast(held);
            EngineIoSession session = ws.openWebSocket(); // the open packet alone passes the high water mark
            assertThat(ws.loop.isWritable()).isFalse();

            session.send(List.of(EngineIoPacket.message("volatile")), true);
            session.send(EngineIoPacket.message("kept"));
            held.release(ws.loop);

            List<String> frames = ws.socket.frames();
            assertThat(frames).hasSize(2);
            assertThat(frames.get(0)).startsWith("0{");
            assertThat(frames.get(1)).isEqualTo("4kept");
        }
    }

    // ---- the bound on polling -------------------------------------------------------------------------------------

    @Test
    void buffersUpToTheBound() {
        EngineIoSession session = h.openPolling();
        String half = "x".repeat(49); // 50 bytes on the wire with its type digit

        session.send(EngineIoPacket.message(half));
        session.send(EngineIoPacket.message(half));

        assertThat(session.isOpen()).isTrue();
        assertThat(h.poll(session).answers()).containsExactly("4" + half + RS + "4" + half);
    }

    @Test
    void closesAPollingSessionWhenBufferingPassesTheBound() {
        EngineIoSession session = h.openPolling();
        String half = "x".repeat(49);
        session.send(EngineIoPacket.message(half));
        session.send(EngineIoPacket.message(half));

        session.send(EngineIoPacket.message(""));

        assertThat(session.isOpen()).isFalse();
        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.OUTBOUND_BUFFER_FULL);
        assertThat(h.server.session(session.sid())).isNull();
        assertThat(h.poll(session).answers()).containsExactly("<error UNKNOWN_SID>");
    }

    @Test
    void countsBinaryPacketsByTheirBytes() {
        EngineIoSession session = h.openPolling();

        session.send(EngineIoPacket.binary(new byte[60]));
        session.send(EngineIoPacket.binary(new byte[60]));

        assertThat(h.listener(session).closes).containsExactly(EngineIoCloseReason.OUTBOUND_BUFFER_FULL);
    }

    @Test
    void acceptsASinglePacketLargerThanTheBoundOnAnEmptyBuffer() {
        EngineIoSession session = h.openPolling();
        String big = "y".repeat(500);

        session.send(EngineIoPacket.message(big));
        assertThat(session.isOpen()).isTrue();
        assertThat(h.poll(session).answers()).containsExactly("4" + big);

        session.send(EngineIoPacket.message(big)); // the poll emptied the buffer: accepted again
        assertThat(h.poll(session).answers()).containsExactly("4" + big);
        assertThat(h.listener(session).closes).isEmpty();
    }

    @Test
    void acceptsAGroupLargerThanTheBoundOnAnEmptyBuffer() {
        EngineIoSession session = h.openPolling();

        session.send(List.of(EngineIoPacket.message("a".repeat(80)), EngineIoPacket.binary(new byte[80])), false);

        assertThat(session.isOpen()).isTrue();
        assertThat(h.poll(session).answers()).singleElement().asString().startsWith("4aaa");
    }

    @Test
    void neverClosesWhileEveryPacketGoesStraightToAPendingPoll() {
        EngineIoSession session = h.openPolling();

        for (int i = 0; i < 20; i++) {
            RecordingPoll poll = h.poll(session);
            session.send(EngineIoPacket.message("z".repeat(90)));
            assertThat(poll.answers()).hasSize(1);
        }

        assertThat(h.listener(session).closes).isEmpty();
    }

    // ---- the bound on WebSocket: bytes Netty has not written yet ---------------------------------------------------

    @Test
    void closesAWebSocketSessionWhenUnwrittenBytesPassTheBound() {
        try (EngineHarness ws = new EngineHarness(EngineHarness.config(1000))) {
            EngineIoSession session = ws.openWebSocket();
            ws.socket.frames();
            HeldFlushes held = new HeldFlushes();
            ws.loop.pipeline().addLast(held); // the peer stops reading

            int sends = 0;
            while (session.isOpen() && sends < 10) {
                session.send(EngineIoPacket.message("w".repeat(300)));
                sends++;
            }

            // the first send found nothing pending; by the fourth the payloads alone pass 1000 bytes
            assertThat(sends).isBetween(2, 4);
            assertThat(ws.listener(session).closes).containsExactly(EngineIoCloseReason.OUTBOUND_BUFFER_FULL);
            assertThat(ws.server.session(session.sid())).isNull();
            held.release(ws.loop);
            assertThat(ws.socket.frames()).last().isEqualTo("<close 1000>");
        }
    }

    @Test
    void acceptsASinglePacketLargerThanTheBoundOnAWebSocketWithNothingPending() {
        EngineIoSession session = h.openWebSocket();
        h.socket.frames();
        String big = "v".repeat(5000);

        session.send(EngineIoPacket.message(big));

        assertThat(session.isOpen()).isTrue();
        assertThat(h.socket.frames()).containsExactly("4" + big);
    }

    /** Swallows flushes: written frames stay in the channel's outbound buffer, as with a peer that stopped reading. */
    private static final class HeldFlushes extends ChannelOutboundHandlerAdapter {
        @Override
        public void flush(ChannelHandlerContext ctx) {}

        /** The peer reads again: everything held is written (so nothing fails when the channel closes). */
        void release(EmbeddedChannel channel) {
            channel.pipeline().remove(this);
            channel.flush();
        }
    }
}
