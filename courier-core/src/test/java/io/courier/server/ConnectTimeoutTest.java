package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.Middleware;
import io.courier.engine.EngineIoError;
import io.courier.engine.EngineIoRequest;
import io.courier.engine.EngineIoSession;
import io.courier.engine.PollResponder;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.courier.engine.codec.EngineIoPacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * connectTimeout closes a connection that joins no namespace in time; a CONNECT that arrived in time is not cut off
 * while its middlewares run, however long they take: their verdict decides.
 *
 * <p>The session lives on an embedded event loop with frozen time, so "the timeout passes" is a step of the test, not
 * a wait; the middleware parks its {@code next} until the test decides.
 */
class ConnectTimeoutTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final long HANG_GUARD_SECONDS = 10;

    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final CompletableFuture<Middleware.Next> parked = new CompletableFuture<>();
    private Courier io;

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
        loop.finishAndReleaseAll();
    }

    /** A polling session of a server whose middleware parks each CONNECT; its connect timer has started. */
    private EngineIoSession open() {
        io = Courier.create(c -> c.connectTimeout(CONNECT_TIMEOUT));
        io.use((socket, next) -> parked.complete(next));
        io.onConnection(socket -> {});
        loop.freezeTime();
        return io.engine().openPolling(loop.eventLoop(), request());
    }

    @Test
    void aConnectWhoseMiddlewaresOutlastTheTimeoutIsAccepted() throws Exception {
        EngineIoSession session = open();
        post(session, "40");
        Middleware.Next next = parked.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);

        passTheConnectTimeout();
        assertThat(session.isOpen())
                .as("open while the CONNECT's middleware runs")
                .isTrue();
        Poll poll = poll(session);
        next.accept();

        assertThat(poll.answer()).startsWith("40{\"sid\":");
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void aConnectRefusedAfterTheTimeoutGetsItsErrorAndThenTheConnectionCloses() throws Exception {
        EngineIoSession session = open();
        post(session, "40");
        Middleware.Next next = parked.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);

        passTheConnectTimeout();
        Poll poll = poll(session);
        next.reject("not you");

        assertThat(poll.answer()).isEqualTo("44{\"message\":\"not you\"}");
        assertThat(poll(session).answer()).isEqualTo("1");
        assertThat(session.isOpen()).isFalse();
    }

    @Test
    void aConnectionThatSendsNoConnectIsClosedAtTheTimeout() throws Exception {
        EngineIoSession session = open();
        Poll poll = poll(session);

        passTheConnectTimeout();

        assertThat(poll.answer()).isEqualTo("1");
        assertThat(session.isOpen()).isFalse();
    }

    @Test
    void aConnectionRefusedBeforeTheTimeoutIsClosedAtTheTimeout() throws Exception {
        EngineIoSession session = open();
        post(session, "40");
        Poll poll = poll(session);
        parked.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS).reject("not you");
        assertThat(poll.answer()).isEqualTo("44{\"message\":\"not you\"}");
        Poll last = poll(session);

        passTheConnectTimeout();

        assertThat(last.answer()).isEqualTo("1");
        assertThat(session.isOpen()).isFalse();
    }

    private void passTheConnectTimeout() {
        loop.advanceTimeBy(CONNECT_TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
        loop.runScheduledPendingTasks();
    }

    private static void post(EngineIoSession session, String payload) {
        session.onPost(EngineIoPacketDecoder.decodePayload(payload.getBytes(StandardCharsets.UTF_8)), outcome -> {});
    }

    private static Poll poll(EngineIoSession session) {
        Poll poll = new Poll();
        session.onPoll(poll);
        return poll;
    }

    private static EngineIoRequest request() {
        return new EngineIoRequest(
                "/socket.io/?EIO=4&transport=polling",
                Map.of("EIO", "4", "transport", "polling"),
                Map.of("host", "localhost"),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 50_000),
                false,
                0);
    }

    /** A long-poll GET; its answer may come from the middleware's thread. */
    private static final class Poll implements PollResponder {
        private final CompletableFuture<String> answer = new CompletableFuture<>();

        String answer() throws Exception {
            return answer.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void respond(Collection<EngineIoPacket> packets) {
            ByteBuf body = EngineIoPacketEncoder.encodePayload(packets, ByteBufAllocator.DEFAULT);
            try {
                answer.complete(body.toString(StandardCharsets.UTF_8));
            } finally {
                body.release();
            }
        }

        @Override
        public void reject() {
            answer.complete("400");
        }

        @Override
        public void error(EngineIoError error) {
            answer.complete(error.message());
        }
    }
}
