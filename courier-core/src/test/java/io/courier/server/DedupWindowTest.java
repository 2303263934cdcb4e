package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The per-socket window of keyed events, on a hand-driven clock and sweeper. */
class DedupWindowTest {
    private static final long WINDOW = TimeUnit.MINUTES.toNanos(2);

    private long now = 1_000;
    private final List<Sweep> sweeps = new ArrayList<>();

    private record Sweep(long delayNanos, Runnable task) {}

    private DedupWindow window(int maxKeys) {
        return new DedupWindow(WINDOW, maxKeys, () -> now, (delay, task) -> sweeps.add(new Sweep(delay, task)));
    }

    private static ArrayNode reply(String text) {
        return JsonNodeFactory.instance.arrayNode().add(text);
    }

    /** A duplicate's reply callback that records what it got. */
    private static final class Received implements Consumer<ArrayNode> {
        final List<ArrayNode> replies = new ArrayList<>();

        @Override
        public void accept(ArrayNode data) {
            replies.add(data);
        }
    }

    @Test
    void aDuplicateOfAPendingEventGetsTheFirstReplyWhenItComes() {
        DedupWindow w = window(1000);
        DedupWindow.Entry first = w.claim("order\0k1", new DedupWindow.AckKey(this, 0), null);
        Received retry = new Received();

        assertThat(first).isNotNull().isNotSameAs(DedupWindow.DUPLICATE);
        assertThat(w.claim("order\0k1", new DedupWindow.AckKey(this, 1), retry)).isSameAs(DedupWindow.DUPLICATE);
        assertThat(retry.replies).isEmpty();

        first.replied(reply("stored"));
        first.replied(reply("second reply is ignored"));
        assertThat(retry.replies).containsExactly(reply("stored"));
    }

    @Test
    void aDuplicateOfAnAnsweredEventGetsTheFirstReplyAtOnce() {
        DedupWindow w = window(1000);
        w.claim("order\0k1", null, null).replied(reply("stored"));
        Received retry = new Received();

        assertThat(w.claim("order\0k1", null, retry)).isSameAs(DedupWindow.DUPLICATE);
        assertThat(retry.replies).containsExactly(reply("stored"));
    }

    @Test
    void eitherKeyMakesADuplicate() {
        DedupWindow w = window(1000);
        w.claim("order\0k1", new DedupWindow.AckKey(this, 7), null);

        assertThat(w.claim(null, new DedupWindow.AckKey(this, 7), null))
                .as("same ack id, no key")
                .isSameAs(DedupWindow.DUPLICATE);
        assertThat(w.claim("order\0other", new DedupWindow.AckKey(this, 7), null))
                .as("same ack id, another key")
                .isSameAs(DedupWindow.DUPLICATE);
        assertThat(w.claim("order\0k1", new DedupWindow.AckKey(this, 8), null))
                .as("same key, another ack id")
                .isSameAs(DedupWindow.DUPLICATE);
        assertThat(w.claim(null, new DedupWindow.AckKey(this, 8), null))
                .as("an ack id first seen on a duplicate is not remembered")
                .isNotSameAs(DedupWindow.DUPLICATE);
    }

    @Test
    void anAckIdIsScopedToTheSocketObjectThatReceivedIt() {
        DedupWindow w = window(1000);
        Object before = new Object();
        Object afterRecovery = new Object();
        w.claim(null, new DedupWindow.AckKey(before, 1), null);

        assertThat(w.claim(null, new DedupWindow.AckKey(afterRecovery, 1), null))
                .isNotSameAs(DedupWindow.DUPLICATE);
    }

    @Test
    void aKeyIsForgottenWhenTheWindowHasPassedSinceItsEventArrived() {
        DedupWindow w = window(1000);
        w.claim("order\0k1", null, null);

        now += WINDOW - 1;
        assertThat(w.claim("order\0k1", null, null)).isSameAs(DedupWindow.DUPLICATE);
        now += 1;
        assertThat(w.claim("order\0k1", null, null))
                .as("a retry after the window runs the handlers again")
                .isNotSameAs(DedupWindow.DUPLICATE);
    }

    @Test
    void pastMaxKeysTheOldestKeyIsForgotten() {
        DedupWindow w = window(3);
        for (String k : List.of("a", "b", "c", "d")) {
            assertThat(w.claim(k, null, null)).isNotSameAs(DedupWindow.DUPLICATE);
        }
        assertThat(w.size()).isEqualTo(3);

        assertThat(w.claim("d", null, null)).isSameAs(DedupWindow.DUPLICATE);
        assertThat(w.claim("b", null, null)).isSameAs(DedupWindow.DUPLICATE);
        assertThat(w.claim("a", null, null))
                .as("the oldest key was forgotten, so its retry runs the handlers again")
                .isNotSameAs(DedupWindow.DUPLICATE);
        assertThat(w.size()).isEqualTo(3);
    }

    @Test
    void anEventWithAnAckIdAndAKeyTakesTwoKeys() {
        DedupWindow w = window(1000);
        w.claim("order\0k1", new DedupWindow.AckKey(this, 0), null);
        assertThat(w.size()).isEqualTo(2);
    }

    @Test
    void atMostMaxWaitersDuplicatesWaitForOneReplyTheNewestOnes() {
        DedupWindow w = window(1000);
        DedupWindow.Entry first = w.claim("order\0k1", null, null);
        List<Received> retries = new ArrayList<>();
        for (int i = 0; i < DedupWindow.MAX_WAITERS + 4; i++) {
            Received r = new Received();
            retries.add(r);
            assertThat(w.claim("order\0k1", null, r)).isSameAs(DedupWindow.DUPLICATE);
        }

        first.replied(reply("stored"));

        assertThat(retries.subList(0, 4)).allSatisfy(r -> assertThat(r.replies).isEmpty());
        assertThat(retries.subList(4, retries.size()))
                .allSatisfy(r -> assertThat(r.replies).containsExactly(reply("stored")));
    }

    @Test
    void aSweepForgetsExpiredKeysOfAQuietSocketAndStopsWhenTheWindowIsEmpty() {
        DedupWindow w = window(1000);
        w.claim("a", null, null);
        now += WINDOW / 2;
        w.claim("b", null, null);
        assertThat(sweeps).as("one sweep scheduled while keys are held").hasSize(1);
        assertThat(sweeps.get(0).delayNanos()).isEqualTo(WINDOW);

        now += WINDOW / 2;
        sweeps.remove(0).task().run();
        assertThat(w.size()).isEqualTo(1);
        assertThat(sweeps).as("rescheduled for the next key to expire").hasSize(1);
        assertThat(sweeps.get(0).delayNanos()).isEqualTo(WINDOW / 2);

        now += WINDOW / 2;
        sweeps.remove(0).task().run();
        assertThat(w.size()).isZero();
        assertThat(sweeps).as("an empty window schedules nothing").isEmpty();

        w.claim("c", null, null);
        assertThat(sweeps).as("a new key schedules a sweep again").hasSize(1);
    }

    @Test
    void aClearedWindowForgetsEveryKeyButWaitingDuplicatesStillGetTheReply() {
        DedupWindow w = window(1000);
        DedupWindow.Entry first = w.claim("a", null, null);
        Received retry = new Received();
        w.claim("a", null, retry);

        w.clear();
        first.replied(reply("stored"));

        assertThat(w.size()).isZero();
        assertThat(retry.replies).containsExactly(reply("stored"));
        assertThat(w.claim("a", null, null)).isNotSameAs(DedupWindow.DUPLICATE);
    }
}
