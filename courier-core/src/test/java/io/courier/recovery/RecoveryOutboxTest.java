package io.courier.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox against concurrent emits: a restored socket gets every packet of its rooms after its offset exactly once
 * and in offset order, whether the store answers at once or later on other threads. The socket is modelled as the
 * runtime treats it: joining its rooms in its restore's turn, and receiving through a FIFO executor (its event loop).
 */
class RecoveryOutboxTest {
    private static final int EMITTERS = 4;
    private static final int EMITS = 150;

    private final ExecutorService emitters = Executors.newFixedThreadPool(EMITTERS + 1);
    private final ExecutorService resume = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        emitters.shutdownNow();
        resume.shutdownNow();
    }

    @Test
    void aRestoreAmidConcurrentEmitsGetsEveryLaterPacketOnceInOrder() throws Exception {
        for (int i = 0; i < 200; i++) {
            hammer(store -> store, i);
        }
    }

    @Test
    void aStoreThatAnswersLaterOnOtherThreadsKeepsTheSameOrder() throws Exception {
        for (int i = 0; i < 60; i++) {
            hammer(LaterRecoveryStore::new, i);
        }
    }

    @Test
    void pastTheBoundATurnIsRefusedAndNothingIsLoggedOrSent() {
        CompletableFuture<LoggedPacket> never = new CompletableFuture<>();
        RecoveryOutbox outbox = new RecoveryOutbox(stuckStore(never), 2, Runnable::run);
        List<ArrayNode> sent = new ArrayList<>();
        assertThat(outbox.append("/", Set.of(), Set.of(), event(1), sent::add)).isTrue();
        assertThat(outbox.append("/", Set.of(), Set.of(), event(2), sent::add)).isTrue();
        assertThat(outbox.append("/", Set.of(), Set.of(), event(3), sent::add))
                .as("a third turn past the bound of 2")
                .isFalse();
        assertThat(outbox.restore("pid", "x", r -> sent.add(null)))
                .as("a restore past the bound")
                .isFalse();
        assertThat(sent).isEmpty();
        never.completeExceptionally(new IllegalStateException("store unreachable"));
        assertThat(sent)
                .as("a failed append is still fanned out in its turn, without an offset")
                .extracting(a -> a.get(1).asInt())
                .containsExactly(1, 2);
        assertThat(outbox.pending()).isZero();
    }

    @Test
    void anUnloggedSendWaitsForTheAppendsBeforeIt() {
        CompletableFuture<LoggedPacket> later = new CompletableFuture<>();
        RecoveryOutbox outbox = new RecoveryOutbox(stuckStore(later), 2, Runnable::run);
        List<String> sent = new ArrayList<>();
        outbox.after(() -> sent.add("ack before any emit"));
        assertThat(sent).as("nothing waits: at once").containsExactly("ack before any emit");

        outbox.append(
                "/",
                Set.of(),
                Set.of(),
                event(1),
                a -> sent.add("event " + a.get(1).asInt()));
        outbox.after(() -> sent.add("ack"));
        assertThat(sent).as("the ack waits for the event's append").hasSize(1);
        outbox.after(() -> sent.add("past the bound"));
        assertThat(sent)
                .as("2 turns wait: past the bound it runs at once, not lost")
                .hasSize(2);

        later.complete(new LoggedPacket("1-1", "/", Set.of(), Set.of(), event(1), 0));
        assertThat(sent).containsExactly("ack before any emit", "past the bound", "event 1", "ack");
        assertThat(outbox.pending()).isZero();
    }

    @Test
    void aCallerThatMustHandOffRunsNoTurnItselfButTheResumeExecutorRunsThemAllInOrder() {
        // the caller stands for an event loop with tasks queued: a turn it ran would write ahead of them
        List<Runnable> handedOff = new ArrayList<>();
        boolean[] mustHandOff = {true};
        RecoveryStore memory = new InMemoryRecoveryStore(Duration.ofMinutes(1), 100, Clock.systemUTC());
        RecoveryOutbox outbox = new RecoveryOutbox(memory, 10, handedOff::add, () -> mustHandOff[0]);
        List<String> sent = new ArrayList<>();
        outbox.append("/", Set.of(), Set.of(), event(1), a -> sent.add("event 1"));
        outbox.restore("pid", "x", r -> sent.add("restore"));
        outbox.after(() -> sent.add("ack"));
        assertThat(sent).as("nothing runs on the caller").isEmpty();
        assertThat(handedOff).as("one drain handed off, holding the turns").hasSize(1);
        assertThat(outbox.pending()).isEqualTo(3);

        mustHandOff[0] = false; // the resume executor's thread is no event loop
        handedOff.remove(0).run();
        assertThat(sent).containsExactly("event 1", "restore", "ack");
        assertThat(handedOff).isEmpty();
        assertThat(outbox.pending()).isZero();
    }

    /** Appends wait for {@code answer}; the rest is answered at once. */
    private static RecoveryStore stuckStore(CompletableFuture<LoggedPacket> never) {
        RecoveryStore memory = new InMemoryRecoveryStore(Duration.ofMinutes(1), 100, Clock.systemUTC());
        return new ForwardingRecoveryStore(memory) {
            @Override
            public CompletionStage<LoggedPacket> append(
                    String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
                return never;
            }
        };
    }

    private static ArrayNode event(int n) {
        return JsonNodeFactory.instance.arrayNode().add("n").add(n);
    }

    /**
     * One round: the socket saw packet 0 and left; {@code EMITTERS} threads emit to its room and to another one while
     * its restore takes a turn at a random moment among them.
     */
    private void hammer(Function<RecoveryStore, RecoveryStore> wrap, int round) throws Exception {
        RecoveryStore store = wrap.apply(new InMemoryRecoveryStore(Duration.ofMinutes(1), 100_000, Clock.systemUTC()));
        try {
            RecoveryOutbox outbox = new RecoveryOutbox(store, 100_000, resume);
            ExecutorService loop = Executors.newSingleThreadExecutor();
            try {
                round(store, outbox, loop, round);
            } finally {
                loop.shutdownNow();
            }
        } finally {
            store.close();
        }
    }

    private void round(RecoveryStore store, RecoveryOutbox outbox, ExecutorService loop, int round) throws Exception {
        Set<String> socketRooms = Set.of("sock", "r");
        String first = store.append("/", Set.of("r"), Set.of(), event(0))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .offset();
        store.save(new SavedSession("sock", "pid", "/", socketRooms, Map.of(), System.currentTimeMillis()))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        // the room index and the socket's loop, as the runtime has them
        Set<String> joined = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> toRoom = new CopyOnWriteArrayList<>();
        CountDownLatch fannedOut = new CountDownLatch(EMITTERS * EMITS);
        CountDownLatch restored = new CountDownLatch(1);
        AtomicReference<Optional<RecoveryStore.Restored>> answer = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);

        for (int t = 0; t < EMITTERS; t++) {
            emitters.execute(() -> {
                await(go);
                for (int i = 0; i < EMITS; i++) {
                    Set<String> rooms = ThreadLocalRandom.current().nextInt(4) == 0 ? Set.of("other") : Set.of("r");
                    boolean queued = outbox.append("/", rooms, Set.of(), event(i), tagged -> {
                        String offset = tagged.get(tagged.size() - 1).asText();
                        if (rooms.contains("r")) {
                            toRoom.add(offset);
                        }
                        for (String room : rooms) {
                            if (joined.contains(room)) {
                                loop.execute(() -> received.add(offset));
                            }
                        }
                        fannedOut.countDown();
                    });
                    assertThat(queued).isTrue();
                }
            });
        }
        int restoreAfter = ThreadLocalRandom.current().nextInt(EMITS);
        emitters.execute(() -> {
            await(go);
            for (int i = 0; i < restoreAfter; i++) {
                Thread.onSpinWait();
            }
            outbox.restore("pid", first, r -> {
                answer.set(r);
                r.ifPresent(found -> {
                    joined.addAll(found.session().rooms());
                    List<String> missed =
                            found.missed().stream().map(LoggedPacket::offset).toList();
                    loop.execute(() -> received.addAll(missed));
                });
                restored.countDown();
            });
        });
        go.countDown();
        assertThat(fannedOut.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(restored.await(30, TimeUnit.SECONDS)).isTrue();
        loop.submit(() -> {}).get(10, TimeUnit.SECONDS);
        assertThat(answer.get()).as("round %s: restored", round).isPresent();

        List<String> expected = new ArrayList<>(toRoom);
        expected.sort((a, b) -> Long.compare(sequence(a), sequence(b)));
        assertThat(toRoom).as("round %s: fanned out in offset order", round).containsExactlyElementsOf(expected);
        assertThat(received)
                .as("round %s: every packet to its room after its offset, once, in order", round)
                .containsExactlyElementsOf(expected);
    }

    private static long sequence(String offset) {
        return Long.parseLong(offset.substring(offset.indexOf('-') + 1), 36);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
