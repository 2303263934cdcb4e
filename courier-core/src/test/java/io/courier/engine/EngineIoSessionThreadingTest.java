package io.courier.engine;

import static io.courier.engine.EngineHarness.RS;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.courier.engine.codec.EngineIoPacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls from other threads hop to the session's owner loop. {@code EmbeddedEventLoop.inEventLoop()} is true on every
 * thread, so the other tests cannot see a hop; this one uses a real {@link DefaultEventLoop} (no timers involved; the
 * waits only guard against hangs).
 */
class EngineIoSessionThreadingTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void tearDown() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void runsCallsFromAnotherThreadOnTheOwnerLoopInCallOrder() throws Exception {
        List<String> seen = new ArrayList<>(); // only touched on the loop
        EngineIoServer server = new EngineIoServer(EngineIoConfig.defaults(), s -> new EngineIoSession.Listener() {
            @Override
            public void onMessage(EngineIoSession session, String text) {
                seen.add((loop.inEventLoop() ? "on loop: " : "off loop: ") + text);
            }

            @Override
            public void onBinary(EngineIoSession session, byte[] data) {}

            @Override
            public void onClose(EngineIoSession session, EngineIoCloseReason reason) {
                seen.add((loop.inEventLoop() ? "on loop: " : "off loop: ") + reason);
            }
        });
        EngineIoSession session = loop.submit(() -> server.openPolling(loop, EngineHarness.request("polling")))
                .get(10, TimeUnit.SECONDS);
        LoopPoll poll = new LoopPoll();

        assertThat(loop.inEventLoop()).isFalse();
        for (int i = 0; i < 100; i++) {
            session.send(EngineIoPacket.message(Integer.toString(i)));
        }
        session.onPoll(poll);
        session.onPost(
                EngineIoPacketDecoder.decodePayload(("4a" + RS + "4b").getBytes(StandardCharsets.UTF_8)),
                outcome -> seen.add((loop.inEventLoop() ? "on loop: POST " : "off loop: POST ") + outcome));
        session.close(EngineIoCloseReason.FORCED_CLOSE);
        // a polling session closed by the server while no poll is pending says goodbye on the next poll
        LoopPoll last = new LoopPoll();
        session.onPoll(last);
        loop.submit(() -> {}).get(10, TimeUnit.SECONDS); // every hop queued before this has run

        String expected = IntStream.range(0, 100).mapToObj(i -> "4" + i).collect(Collectors.joining(RS));
        assertThat(poll.answers).containsExactly("on loop: " + expected);
        assertThat(last.answers).containsExactly("on loop: 1");
        assertThat(seen).containsExactly("on loop: a", "on loop: b", "on loop: POST HANDLED", "on loop: FORCED_CLOSE");
        assertThat(server.session(session.sid())).isNull();
    }

    /** Records each answer and whether it came on the owner loop. */
    private final class LoopPoll implements PollResponder {
        final List<String> answers = new ArrayList<>();

        @Override
        public void respond(Collection<EngineIoPacket> packets) {
            ByteBuf body = EngineIoPacketEncoder.encodePayload(packets, ByteBufAllocator.DEFAULT);
            try {
                answers.add((loop.inEventLoop() ? "on loop: " : "off loop: ") + body.toString(StandardCharsets.UTF_8));
            } finally {
                body.release();
            }
        }

        @Override
        public void reject() {
            answers.add("<rejected>");
        }

        @Override
        public void error(EngineIoError error) {
            answers.add("<error " + error + ">");
        }
    }
}
