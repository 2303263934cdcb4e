package io.courier.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How {@link DurableClient} acknowledges durable deliveries: handled ones in a row go out as one cumulative ack for the
 * newest (held until half the hub's window is handled, or the ack delay is over, once the hub named its window), one
 * handled behind a delivery still being handled goes out alone at once, a failed one is never covered. The
 * deliveries are handed to the client on its event loop as its socket would hand them; their acks are recorded. The
 * client is never connected (an identity's channel needs no subscribe request); the waits only guard against hangs.
 */
class DurableClientAcksTest {
    private static final String CHANNEL = "@driver";

    private CourierClient client;
    private final BlockingQueue<CompletableFuture<Void>> handling = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    /** What the acks were answered with, in the order the answers came, over all acks of the test. */
    private final List<String> recorded = new ArrayList<>();

    /** An ack that records what it was answered with in {@link #recorded}. */
    private final class RecordedAck implements Ack {
        final int seq;

        RecordedAck(int seq) {
            this.seq = seq;
        }

        @Override
        public boolean requested() {
            return true;
        }

        @Override
        public void reply(Object... args) {
            synchronized (recorded) {
                recorded.add(seq + (args.length == 0 ? "" : " " + SocketIoPacket.toNode(args[0])));
            }
        }
    }

    private DurableClient start(boolean cumulative) {
        return start(cumulative, Duration.ofMillis(100), 0);
    }

    /** A client whose hub named {@code window} (0: none) and that holds handled deliveries up to {@code ackDelay}. */
    private DurableClient start(boolean cumulative, Duration ackDelay, int window) {
        client = CourierClient.builder("http://127.0.0.1:9")
                .reconnection(false)
                .cumulativeAcks(cumulative)
                .ackDelay(ackDelay)
                .build();
        client.durable().hubWindow(window);
        client.subscribeAsync(
                CHANNEL,
                d -> {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    handling.add(f);
                    return f;
                },
                null);
        return client.durable();
    }

    /** Hands delivery {@code seq} to the client on its loop, and returns its handler's future once it was called. */
    private CompletableFuture<Void> deliver(DurableClient durable, int seq) throws Exception {
        JsonNode meta = JsonNodeFactory.instance
                .objectNode()
                .put("channel", CHANNEL)
                .put("id", "m" + seq)
                .put("seq", seq);
        Args args = new Args(List.of(JsonNodeFactory.instance.textNode("parcel " + seq), meta));
        boolean taken = client.loop()
                .submit(() -> durable.route("pickup", args, new RecordedAck(seq)))
                .get(10, TimeUnit.SECONDS);
        assertThat(taken).isTrue();
        CompletableFuture<Void> f = handling.poll(10, TimeUnit.SECONDS);
        assertThat(f).as("handler called for %d", seq).isNotNull();
        // the handler has returned and the client waits on its future (the callbacks run one at a time, in order)
        CompletableFuture<Void> returned = new CompletableFuture<>();
        client.callback(() -> returned.complete(null));
        returned.get(10, TimeUnit.SECONDS);
        return f;
    }

    /** Ends the handlers' work in one task of the loop: their completions all run before the acks go out. */
    private void inOneTurn(Runnable work) throws Exception {
        client.loop().submit(work).get(10, TimeUnit.SECONDS);
    }

    /** The acks recorded once the loop has run everything queued so far (the acks are sent from a task of their own). */
    private List<String> answers() throws Exception {
        for (int i = 0; i < 3; i++) {
            client.loop().submit(() -> {}).get(10, TimeUnit.SECONDS);
        }
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    @Test
    void deliveriesHandledTogetherAreAcknowledgedWithOneCumulativeAckForTheNewest() throws Exception {
        DurableClient durable = start(true);
        CompletableFuture<Void> one = deliver(durable, 1);
        CompletableFuture<Void> two = deliver(durable, 2);
        CompletableFuture<Void> three = deliver(durable, 3);
        inOneTurn(() -> {
            one.complete(null);
            two.complete(null);
            three.complete(null);
        });
        assertThat(answers()).containsExactly("3 {\"cumulative\":true}");

        CompletableFuture<Void> four = deliver(durable, 4);
        four.complete(null);
        assertThat(answers()).as("one handled alone: a plain ack").endsWith("4");
    }

    @Test
    void oneHandledBehindASlowOneIsAcknowledgedAloneAndTheSlowOneLaterCoversTheRest() throws Exception {
        DurableClient durable = start(true);
        CompletableFuture<Void> one = deliver(durable, 1);
        CompletableFuture<Void> two = deliver(durable, 2);
        CompletableFuture<Void> three = deliver(durable, 3);
        two.complete(null);
        assertThat(answers())
                .as("1 still at work: 2 holds no place of the hub's window")
                .containsExactly("2");
        inOneTurn(() -> {
            one.complete(null);
            three.complete(null);
        });
        assertThat(answers()).containsExactly("2", "3 {\"cumulative\":true}");
    }

    @Test
    void aFailedDeliveryIsNeverCoveredAndAfterItEveryAckGoesAloneUntilTheNextConnection() throws Exception {
        DurableClient durable = start(true);
        CompletableFuture<Void> one = deliver(durable, 1);
        CompletableFuture<Void> two = deliver(durable, 2);
        CompletableFuture<Void> three = deliver(durable, 3);
        CompletableFuture<Void> four = deliver(durable, 4);
        inOneTurn(() -> {
            one.complete(null);
            two.completeExceptionally(new IllegalStateException("delivery 2 fails (expected in this test)"));
            three.complete(null);
            four.complete(null);
        });
        assertThat(answers()).as("1 before the failure; 3 and 4 each alone").containsExactly("1", "3", "4");
        CompletableFuture<Void> five = deliver(durable, 5);
        CompletableFuture<Void> six = deliver(durable, 6);
        inOneTurn(() -> {
            five.complete(null);
            six.complete(null);
        });
        assertThat(answers()).as("2 is still owed on this connection").endsWith("5", "6");

        inOneTurn(() -> durable.connected(client.socket())); // a new connection: 2 comes again, nothing is owed
        CompletableFuture<Void> again = deliver(durable, 2);
        CompletableFuture<Void> seven = deliver(durable, 7);
        inOneTurn(() -> {
            again.complete(null);
            seven.complete(null);
        });
        assertThat(answers()).endsWith("7 {\"cumulative\":true}");
    }

    @Test
    void withoutCumulativeAcksEachDeliveryIsAcknowledgedAlone() throws Exception {
        DurableClient durable = start(false);
        CompletableFuture<Void> one = deliver(durable, 1);
        CompletableFuture<Void> two = deliver(durable, 2);
        inOneTurn(() -> {
            one.complete(null);
            two.complete(null);
        });
        assertThat(answers()).containsExactly("1", "2");
    }

    /** Long enough never to run out within a test: what goes out was not sent by the delay. */
    private static final Duration NEVER = Duration.ofHours(1);

    @Test
    void onceTheHubNamedItsWindowHandledDeliveriesAreHeldUntilHalfOfItIsHandled() throws Exception {
        DurableClient durable = start(true, NEVER, 8);
        List<CompletableFuture<Void>> handled = new ArrayList<>();
        for (int seq = 1; seq <= 3; seq++) {
            handled.add(deliver(durable, seq));
            handled.get(seq - 1).complete(null);
        }
        assertThat(answers()).as("3 of a window of 8 handled: held").isEmpty();
        deliver(durable, 4).complete(null);
        assertThat(answers()).as("half the window: one ack for the four").containsExactly("4 {\"cumulative\":true}");
        deliver(durable, 5).complete(null);
        assertThat(answers()).as("the next batch starts again").containsExactly("4 {\"cumulative\":true}");
    }

    @Test
    void heldAcksGoOutWhenTheAckDelayIsOver() throws Exception {
        DurableClient durable = start(true, Duration.ofMillis(20), 8);
        CompletableFuture<Void> one = deliver(durable, 1);
        CompletableFuture<Void> two = deliver(durable, 2);
        inOneTurn(() -> {
            one.complete(null);
            two.complete(null);
        });
        for (int i = 0; i < 1000 && answers().isEmpty(); i++) {
            Thread.sleep(10); // the wait only guards against a hang: the delay sends them
        }
        assertThat(answers()).containsExactly("2 {\"cumulative\":true}");
    }

    @Test
    void oneHandledBehindASlowOneGoesAloneWhileTheOnesInFrontAreHeld() throws Exception {
        DurableClient durable = start(true, NEVER, 8);
        CompletableFuture<Void> one = deliver(durable, 1);
        CompletableFuture<Void> two = deliver(durable, 2);
        CompletableFuture<Void> three = deliver(durable, 3);
        one.complete(null);
        three.complete(null);
        assertThat(answers()).as("1 held, 2 at work, 3 alone at once").containsExactly("3");
        two.complete(null);
        assertThat(answers()).as("1 and 2 held").containsExactly("3");
        client.close(); // returns once its loop task, which sends them, ran
        synchronized (recorded) {
            assertThat(recorded).as("closing sends what was held").containsExactly("3", "2 {\"cumulative\":true}");
        }
    }

    @Test
    void closeLetsAHandlerAtWorkFinishThenSendsItsAckWithTheHeldOnes() throws Exception {
        DurableClient durable = start(true, NEVER, 8);
        deliver(durable, 1).complete(null);
        CompletableFuture<Void> two = deliver(durable, 2);
        assertThat(answers()).as("1 held, 2 at work").isEmpty();
        Thread closing = Thread.ofPlatform().start(client::close);
        Thread.sleep(200); // close's loop task runs meanwhile and waits for 2
        two.complete(null);
        closing.join(10_000);
        synchronized (recorded) {
            assertThat(recorded)
                    .as("one ack for both, before the disconnect")
                    .containsExactly("2 {\"cumulative\":true}");
        }
    }

    @Test
    void closeWaitsForAHandlerThatNeverEndsOnlyUntilItsBoundAndStillSendsWhatWasHeld() throws Exception {
        DurableClient durable = start(true, NEVER, 8);
        deliver(durable, 1).complete(null);
        deliver(durable, 2); // never completes
        client.close(); // returns once its bound (3 s) is over
        synchronized (recorded) {
            assertThat(recorded).as("1 acknowledged, 2 not (it comes again)").containsExactly("1");
        }
    }

    @Test
    void withoutAnAckDelayNothingIsHeld() throws Exception {
        DurableClient durable = start(true, Duration.ZERO, 8);
        deliver(durable, 1).complete(null);
        assertThat(answers()).containsExactly("1");
    }

    @Test
    void withoutCumulativeAcksNothingIsHeld() throws Exception {
        DurableClient durable = start(false, NEVER, 8);
        deliver(durable, 1).complete(null);
        assertThat(answers()).containsExactly("1");
    }

    @Test
    void aNegativeAckDelayIsRefused() {
        assertThatThrownBy(() -> CourierClient.builder("http://127.0.0.1:9").ackDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ackDelay");
    }
}
