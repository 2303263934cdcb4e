package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.Courier;
import io.courier.DisconnectReason;
import io.courier.recovery.ForwardingRecoveryStore;
import io.courier.recovery.LaterRecoveryStore;
import io.courier.recovery.LoggedPacket;
import io.courier.recovery.RecoveryOutbox;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.RecoveryStoreFactory;
import io.courier.recovery.SavedSession;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection state recovery on a real server while other threads emit to the restored socket's room: its CONNECT
 * lands at a random point among the emits, and the client must get every event of its room after its offset exactly
 * once, in offset order (the missed ones before the CONNECT reply, the live ones after), and none of another room.
 */
class RecoveryOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EMITTERS = 3;
    private static final int EMITS = 100;

    private final ExecutorService emitters = Executors.newFixedThreadPool(EMITTERS);
    private final Map<String, CompletableFuture<DisconnectReason>> gone = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Boolean>> recovered = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> slowStarted = new CompletableFuture<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private Courier io;

    @AfterEach
    void stop() {
        release.countDown();
        emitters.shutdownNow();
        if (io != null) {
            io.close();
        }
    }

    @Test
    void aSocketRestoredAmidEmitsToItsRoomGetsEveryLaterEventOnceAndInOrder() throws Exception {
        int port = start(RecoveryStoreFactory.inMemory());
        for (int round = 0; round < 40; round++) {
            round(port, round);
        }
    }

    @Test
    void aStoreThatAnswersLaterOnOtherThreadsGivesTheSameOrder() throws Exception {
        int port = start(settings ->
                new LaterRecoveryStore(RecoveryStoreFactory.inMemory().open(settings)));
        for (int round = 0; round < 40; round++) {
            round(port, round);
        }
    }

    @Test
    void aSocketWhosePredecessorIsStillLeavingItsRoomsWaitsForItThenKeepsTheRooms() throws Exception {
        CompletableFuture<SavedSession> saved = new CompletableFuture<>();
        int port = start(settings -> new Saving(RecoveryStoreFactory.inMemory().open(settings), saved));
        String sid;
        String pid;
        String offset;
        try (WireClient first = WireClient.open(port)) {
            JsonNode reply = JSON.readTree(first.connect("").substring(2));
            sid = reply.path("sid").asText();
            pid = reply.path("pid").asText();
            offset = JSON.readTree(first.next().substring(2)).get(1).asText();
            first.send("42[\"slow\"]"); // its lane is busy until released: the close waits behind it
            slowStarted.get(10, TimeUnit.SECONDS);
        }
        assertThat(saved.get(10, TimeUnit.SECONDS).socketId()).isEqualTo(sid);
        assertThat(recovered.remove(sid).get(10, TimeUnit.SECONDS)).isFalse();
        try (WireClient second = WireClient.open(port)) {
            // handled in order on the session's loop: once /other answers, "/" has been decided
            second.send("40{\"pid\":\"" + pid + "\",\"offset\":\"" + offset + "\"}")
                    .send("40/other,");
            String first = second.next();
            assertThat(first)
                    .as("no CONNECT reply for / while its predecessor has not left its rooms")
                    .startsWith("40/other,");
            release.countDown();
            assertThat(gone(sid).get(10, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.TRANSPORT_CLOSE);
            String reply = second.next();
            assertThat(reply).startsWith("40{\"sid\":\"" + sid + "\"");
            assertThat(recovered(sid).get(10, TimeUnit.SECONDS)).isTrue();
            io.to("r").emit("after");
            JsonNode after = JSON.readTree(second.next().substring(2));
            assertThat(after.get(0).asText())
                    .as("the restored socket is still in its room")
                    .isEqualTo("after");
        }
    }

    /**
     * The race the rounds above hit only now and then, made to happen: the restore's turn runs on another thread, which
     * rejoins the socket to its rooms and queues its replay (the missed events, then the CONNECT reply) on the
     * connection's event loop; that loop, busy meanwhile, then emits to the socket's room itself. Its fan-out must not
     * write the live event at once, ahead of the replay still queued behind it.
     */
    @Test
    void aTurnRunOnTheEventLoopDoesNotOvertakeTheReplayOfARestoreRunElsewhere() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CompletableFuture<Void> restoreAsked = new CompletableFuture<>();
        CompletableFuture<Void> holding = new CompletableFuture<>();
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicBoolean heldOnLoop = new AtomicBoolean();
        RecoveryStoreFactory factory =
                settings -> new Gated(RecoveryStoreFactory.inMemory().open(settings), gate, restoreAsked);
        // one event loop: the held socket's connection and the restored one share it
        io = Courier.create(
                c -> c.host("127.0.0.1").port(0).ioThreads(1).connectionStateRecovery(r -> r.store(factory)));
        io.onConnection(socket -> {
            socket.onDisconnect(reason -> gone(socket.id()).complete(reason));
            if (!socket.recovered()) {
                socket.join("r");
                socket.emit("welcome");
            }
            socket.onInline("hold", (args, ack) -> {
                // on the event loop: it stays busy while the restore's turn runs on another thread
                heldOnLoop.set(((DefaultSocket) socket).eventLoop().inEventLoop());
                holding.complete(null);
                letGo.await(10, TimeUnit.SECONDS);
                io.to("r").emit("live");
            });
        });
        io.start();
        int port = io.port();
        DefaultNamespace main = (DefaultNamespace) io.of("/");
        RecoveryOutbox outbox = main.runtime().outbox();
        try (WireClient other = WireClient.open(port)) {
            Left left = connectAndLeave(port);
            String sid = left.sid();
            String pid = left.pid();
            String offset = left.offset();
            io.to("r").emit("missed");

            String otherSid =
                    JSON.readTree(other.connect("").substring(2)).path("sid").asText();
            assertThat(JSON.readTree(other.next().substring(2)).get(0).asText()).isEqualTo("welcome");
            DefaultSocket holder = main.socket(otherSid);
            await(() -> holder.lane().idle(), "the other socket's lane is idle, so its inline event runs on the loop");

            io.to("r").emit("held"); // its turn waits for the gate: the restore queues behind it
            try (WireClient second = WireClient.open(port)) {
                second.send("40{\"pid\":\"" + pid + "\",\"offset\":\"" + offset + "\"}");
                restoreAsked.get(10, TimeUnit.SECONDS);
                other.send("42[\"hold\"]");
                holding.get(10, TimeUnit.SECONDS);
                assertThat(heldOnLoop)
                        .as("the inline handler holds the event loop")
                        .isTrue();
                // the store answers: a handler thread runs the held turn and the restore's, which queues the replay
                // on the loop, still held
                gate.complete(null);
                await(() -> outbox.pending() == 0, "the restore's turn ran");
                letGo.countDown(); // the loop emits "live" to the room the restored socket is back in

                List<String> received = new ArrayList<>();
                while (received.isEmpty() || !received.get(received.size() - 1).equals("live")) {
                    String p = second.next();
                    received.add(
                            p.startsWith("40")
                                    ? "CONNECT"
                                    : JSON.readTree(p.substring(2)).get(0).asText());
                }
                assertThat(received)
                        .as("the missed events, the CONNECT reply, then the live event")
                        .containsExactly("missed", "held", "CONNECT", "live");
            }
        } finally {
            letGo.countDown();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private int start(RecoveryStoreFactory store) {
        io = Courier.create(c -> c.host("127.0.0.1").port(0).connectionStateRecovery(r -> r.store(store)));
        io.of("/other");
        io.onConnection(socket -> {
            socket.on("slow", (args, ack) -> {
                slowStarted.complete(null);
                release.await();
            });
            socket.onDisconnect(reason -> gone(socket.id()).complete(reason));
            recovered(socket.id()).complete(socket.recovered());
            if (!socket.recovered()) {
                socket.join("r");
                socket.emit("welcome"); // carries the offset the client comes back with
            }
        });
        io.start();
        return io.port();
    }

    /** Whether the latest socket with that id was recovered; completed by its connection handler. */
    private CompletableFuture<Boolean> recovered(String sid) {
        return recovered.computeIfAbsent(sid, k -> new CompletableFuture<>());
    }

    /** A socket that connected, got its first event (its offset) and left, its close seen by the server. */
    private record Left(String sid, String pid, String offset) {}

    private Left connectAndLeave(int port) throws Exception {
        Left left;
        try (WireClient first = WireClient.open(port)) {
            JsonNode reply = JSON.readTree(first.connect("").substring(2));
            left = new Left(
                    reply.path("sid").asText(),
                    reply.path("pid").asText(),
                    JSON.readTree(first.next().substring(2)).get(1).asText());
        }
        assertThat(gone(left.sid()).get(10, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.TRANSPORT_CLOSE);
        return left;
    }

    private CompletableFuture<DisconnectReason> gone(String sid) {
        return gone.computeIfAbsent(sid, k -> new CompletableFuture<>());
    }

    private void round(int port, int round) throws Exception {
        Left left = connectAndLeave(port);
        String sid = left.sid();
        String pid = left.pid();
        String offset = left.offset();
        assertThat(recovered.remove(sid).get(10, TimeUnit.SECONDS)).isFalse();
        gone.remove(sid);

        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger emitted = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < EMITTERS; t++) {
            int thread = t;
            running.add(emitters.submit(() -> {
                go.await();
                for (int i = 0; i < EMITS; i++) {
                    io.to(i % 4 == 3 ? "other" : "r").emit("n", thread + ":" + i);
                    emitted.incrementAndGet();
                }
                return null;
            }));
        }
        List<String> events = new ArrayList<>();
        List<Long> sequences = new ArrayList<>();
        boolean connected = false;
        int eventsBeforeConnect = -1;
        try (WireClient second = WireClient.open(port)) {
            int restoreAt = ThreadLocalRandom.current().nextInt(EMITTERS * EMITS);
            go.countDown();
            while (emitted.get() < restoreAt) {
                Thread.onSpinWait();
            }
            second.send("40{\"pid\":\"" + pid + "\",\"offset\":\"" + offset + "\"}");
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            io.to("r").emit("end");
            boolean ended = false;
            while (!ended || !connected) {
                String p = second.next();
                if (p.startsWith("40")) {
                    assertThat(JSON.readTree(p.substring(2)).path("sid").asText())
                            .as("round %s: the CONNECT reply keeps the socket id", round)
                            .isEqualTo(sid);
                    connected = true;
                    eventsBeforeConnect = events.size();
                    continue;
                }
                assertThat(ended)
                        .as("round %s: nothing after the last event but the CONNECT reply", round)
                        .isFalse();
                assertThat(p).as("round %s: an event", round).startsWith("42[");
                JsonNode event = JSON.readTree(p.substring(2));
                sequences.add(sequence(event.get(event.size() - 1).asText()));
                if (event.get(0).asText().equals("end")) {
                    ended = true; // if the restore came after it, "end" was among the missed events
                } else {
                    events.add(event.get(1).asText());
                }
            }
        }
        assertThat(connected).as("round %s: CONNECT reply", round).isTrue();
        assertThat(recovered(sid).get(10, TimeUnit.SECONDS))
                .as("round %s: recovered on the server", round)
                .isTrue();
        Set<String> expected = new HashSet<>();
        for (int t = 0; t < EMITTERS; t++) {
            for (int i = 0; i < EMITS; i++) {
                if (i % 4 != 3) {
                    expected.add(t + ":" + i);
                }
            }
        }
        assertThat(events)
                .as(
                        "round %s: every event to its room after its offset, once (%s before the CONNECT reply)",
                        round, eventsBeforeConnect)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(sequences).as("round %s: in offset order", round).isSorted().doesNotHaveDuplicates();
    }

    private static long sequence(String offset) {
        return Long.parseLong(offset.substring(offset.indexOf('-') + 1), 36);
    }

    /**
     * The in-memory store whose appends of {@code "held"} answer once {@code gate} completes, telling when a restore is
     * asked for.
     */
    private static final class Gated extends ForwardingRecoveryStore {
        private final CompletableFuture<Void> gate;
        private final CompletableFuture<Void> restoreAsked;

        Gated(RecoveryStore inner, CompletableFuture<Void> gate, CompletableFuture<Void> restoreAsked) {
            super(inner);
            this.gate = gate;
            this.restoreAsked = restoreAsked;
        }

        @Override
        public CompletionStage<LoggedPacket> append(
                String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
            CompletionStage<LoggedPacket> logged = inner.append(namespace, rooms, except, data);
            return data.get(0).asText().equals("held") ? gate.thenCombine(logged, (v, packet) -> packet) : logged;
        }

        @Override
        public CompletionStage<Optional<RecoveryStore.Restored>> restore(String pid, String offset) {
            CompletionStage<Optional<RecoveryStore.Restored>> restored = inner.restore(pid, offset);
            restoreAsked.complete(null);
            return restored;
        }
    }

    /** The in-memory store, telling when a session is saved. */
    private static final class Saving extends ForwardingRecoveryStore {
        private final CompletableFuture<SavedSession> saved;

        Saving(RecoveryStore inner, CompletableFuture<SavedSession> saved) {
            super(inner);
            this.saved = saved;
        }

        @Override
        public CompletionStage<Void> save(SavedSession session) {
            CompletionStage<Void> done = inner.save(session);
            saved.complete(session);
            return done;
        }
    }
}
