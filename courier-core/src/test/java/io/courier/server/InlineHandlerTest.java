package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Socket.onInline} on a real server, with packets written by hand over WebSocket: where the listener runs
 * (the event loop, or the handler executor when something stands in the way), its ack, and the socket's order.
 */
class InlineHandlerTest {
    private Courier io;
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final CompletableFuture<DefaultSocket> socket = new CompletableFuture<>();

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
    }

    private int start(Consumer<CourierConfig.Builder> options, Consumer<Socket> handlers) {
        io = Courier.create(c -> {
            c.host("127.0.0.1").port(0);
            options.accept(c);
        });
        io.onConnection(s -> {
            handlers.accept(s);
            socket.complete((DefaultSocket) s);
        });
        io.start();
        return io.port();
    }

    /** An inline "echo" that records the thread it ran on and acks with its arguments. */
    private void echo(Socket socket) {
        socket.onInline("echo", (args, ack) -> {
            ran.add("echo " + args.getString(0) + " " + where());
            ack.reply(args.toArray());
        });
    }

    private static String where() {
        return Thread.currentThread().isVirtual() ? "executor" : "loop";
    }

    /**
     * Waits until the socket's lane is idle: an ordinary acknowledged "sync" ran (so the connection handler's turn is
     * over), and the lane's thread, which sent its ack, has let go of the lane.
     */
    private void sync(WireClient client) throws Exception {
        client.send("4299[\"sync\"]");
        assertThat(client.next()).isEqualTo("4399[]");
        HandlerLane lane = socket.get(10, TimeUnit.SECONDS).lane();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!lane.idle()) {
            assertThat(System.nanoTime()).as("the lane goes idle").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static void syncHandler(Socket socket) {
        socket.on("sync", (args, ack) -> ack.reply());
    }

    @Test
    void runsOnTheEventLoopAndAcksWithItsArguments() throws Exception {
        int port = start(c -> {}, socket -> {
            echo(socket);
            syncHandler(socket);
        });
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            sync(client);
            client.send("421[\"echo\",\"a\",{\"n\":1},[2]]");
            assertThat(client.next()).isEqualTo("431[\"a\",{\"n\":1},[2]]");
            assertThat(ran).containsExactly("echo a loop");
        }
    }

    @Test
    void waitsBehindWhatTheSocketsLaneIsRunningAndKeepsTheOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowStarted = new CountDownLatch(1);
        int port = start(c -> {}, socket -> {
            echo(socket);
            syncHandler(socket);
            socket.on("slow", (args, ack) -> {
                slowStarted.countDown();
                release.await();
                ran.add("slow " + where());
                ack.reply("slow");
            });
        });
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            sync(client);
            client.send("421[\"slow\"]");
            assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
            client.send("422[\"echo\",\"b\"]");
            client.send("423[\"echo\",\"c\"]");
            release.countDown();
            assertThat(client.next()).isEqualTo("431[\"slow\"]");
            assertThat(client.next()).isEqualTo("432[\"b\"]");
            assertThat(client.next()).isEqualTo("433[\"c\"]");
            // behind "slow", in order (queued on the lane, or inline once it was done, depending on when they came)
            assertThat(ran)
                    .extracting(r -> r.substring(0, r.lastIndexOf(' ')))
                    .containsExactly("slow", "echo b", "echo c");
            assertThat(ran.get(0)).isEqualTo("slow executor");
            sync(client);
            client.send("424[\"echo\",\"d\"]");
            assertThat(client.next()).isEqualTo("434[\"d\"]");
            assertThat(ran).last().isEqualTo("echo d loop");
        }
    }

    @Test
    void runsOnTheExecutorWhenAnOrdinaryListenerSharesTheEvent() throws Exception {
        int port = start(c -> {}, socket -> {
            syncHandler(socket);
            socket.on("both", (args, ack) -> ran.add("both ordinary " + where()));
            socket.onInline("both", (args, ack) -> {
                ran.add("both inline " + where());
                ack.reply();
            });
        });
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            sync(client);
            client.send("421[\"both\"]");
            assertThat(client.next()).isEqualTo("431[]");
            assertThat(ran).containsExactly("both ordinary executor", "both inline executor");
        }
    }

    @Test
    void runsOnTheExecutorWhenTheSocketHasAnOnAnyListener() throws Exception {
        int port = start(c -> {}, socket -> {
            echo(socket);
            syncHandler(socket);
            socket.onAny((event, args) -> ran.add("any " + event + " " + where()));
        });
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            sync(client);
            ran.clear();
            client.send("421[\"echo\",\"e\"]");
            assertThat(client.next()).isEqualTo("431[\"e\"]");
            assertThat(ran).containsExactly("any echo executor", "echo e executor");
        }
    }

    @Test
    void runsOnTheExecutorWithDeduplicationOn() throws Exception {
        int port = start(c -> c.deduplication(d -> {}), socket -> {
            echo(socket);
            syncHandler(socket);
        });
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            sync(client);
            client.send("421[\"echo\",\"f\"]");
            assertThat(client.next()).isEqualTo("431[\"f\"]");
            client.send("421[\"echo\",\"f\"]"); // a retry: answered with the first reply, not run again
            assertThat(client.next()).isEqualTo("431[\"f\"]");
            assertThat(ran).containsExactly("echo f executor");
        }
    }

    @Test
    void aFailingInlineListenerIsLoggedAndTheConnectionGoesOn() throws Exception {
        int port = start(c -> {}, socket -> {
            echo(socket);
            syncHandler(socket);
            socket.onInline("boom", (args, ack) -> {
                throw new IllegalStateException("boom");
            });
        });
        try (WireClient client = WireClient.open(port)) {
            client.connect("");
            sync(client);
            client.send("421[\"boom\"]");
            client.send("422[\"echo\",\"g\"]");
            assertThat(client.next()).isEqualTo("432[\"g\"]");
            assertThat(ran).containsExactly("echo g loop");
        }
    }
}
