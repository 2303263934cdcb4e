package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.adapter.AckCallback;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The ack waits of a socket's event loop: in order from the front, any other order found all the same; the out-of-order
 * map's keys ({@link LoopAckQueue#scatter}).
 */
class LoopAckQueueTest {

    /** A wait that knows its id, so a test can tell which wait it got. */
    private record Wait(long id) implements AckCallback {
        @Override
        public void onAck(List<JsonNode> args) {}
    }

    @Test
    void acksInRegistrationOrderTakeTheFrontThroughManyGrowths() {
        LoopAckQueue q = new LoopAckQueue();
        long next = 1_000;
        long answered = 1_000;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 37; i++) { // a window that wraps the ring at different places
                assertThat(q.add(next, new Wait(next))).isTrue();
                next += 3;
            }
            for (int i = 0; i < 30; i++) {
                assertThat(q.take(answered)).isEqualTo(new Wait(answered));
                answered += 3;
            }
        }
        assertThat(q.size()).isEqualTo(50 * 7);
        while (answered < next) {
            assertThat(q.take(answered)).isEqualTo(new Wait(answered));
            answered += 3;
        }
        assertThat(q.size()).isZero();
    }

    @Test
    void everyOrderOfAcksFindsEveryWaitOnce() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            LoopAckQueue q = new LoopAckQueue();
            Map<Long, Wait> waiting = new HashMap<>();
            List<Long> ids = new ArrayList<>();
            long id = random.nextInt(1_000);
            for (int i = 0; i < 1 + random.nextInt(300); i++) {
                // mostly ascending, as one lane registers a channel's deliveries; now and then an older id, as a
                // second channel's lane interleaves
                long registered =
                        random.nextInt(8) == 0 ? Math.max(0, id - random.nextInt(50)) : (id += 1 + random.nextInt(4));
                if (waiting.containsKey(registered)) {
                    continue;
                }
                assertThat(q.add(registered, new Wait(registered))).isTrue();
                waiting.put(registered, new Wait(registered));
                ids.add(registered);
            }
            if (random.nextBoolean()) {
                Collections.shuffle(ids, random);
            }
            assertThat(q.take(-1)).isNull(); // never registered
            for (long answered : ids) {
                assertThat(q.take(answered))
                        .as("trial %d, id %d", trial, answered)
                        .isEqualTo(waiting.remove(answered));
                assertThat(q.take(answered)).as("answered twice").isNull();
                assertThat(q.size()).isEqualTo(waiting.size());
            }
        }
    }

    @Test
    void aHoleIsSkippedWhenTheFrontReachesIt() {
        LoopAckQueue q = new LoopAckQueue();
        for (long id = 1; id <= 5; id++) {
            q.add(id, new Wait(id));
        }
        assertThat(q.take(3)).isEqualTo(new Wait(3));
        assertThat(q.take(2)).isEqualTo(new Wait(2));
        assertThat(q.take(1)).isEqualTo(new Wait(1)); // the front moves past the holes of 2 and 3
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.add(4, new Wait(40)))
                .as("a second wait for a waiting id replaces it")
                .isFalse();
        assertThat(q.take(4)).isEqualTo(new Wait(40));
        assertThat(q.take(5)).isEqualTo(new Wait(5));
        assertThat(q.size()).isZero();
        assertThat(q.add(2, new Wait(2))).as("an empty ring takes any id").isTrue();
        assertThat(q.take(2)).isEqualTo(new Wait(2));
    }

    @Test
    void acksBehindAFrontThatWaitsDoNotGrowTheRingForever() {
        LoopAckQueue q = new LoopAckQueue();
        q.add(1, new Wait(1)); // a channel that is never acknowledged
        for (long id = 2; id < 100_000; id++) { // another one, acknowledged as it goes
            q.add(id, new Wait(id));
            assertThat(q.take(id)).isEqualTo(new Wait(id));
        }
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.capacity()).as("the ring's size with one wait left").isLessThanOrEqualTo(8);
        assertThat(q.take(1)).isEqualTo(new Wait(1));
        assertThat(q.size()).isZero();
    }

    /** A wait of one channel's delivery, as a cumulative ack tells them apart. */
    private record Delivery(long id, int channel) implements AckCallback {
        @Override
        public void onAck(List<JsonNode> args) {}
    }

    @Test
    void aCumulativeAckDropsTheEarlierWaitsOfItsChannelOnly() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            LoopAckQueue q = new LoopAckQueue();
            Map<Long, Delivery> waiting = new HashMap<>();
            long id = 0;
            for (int i = 0; i < 1 + random.nextInt(200); i++) {
                // two channels interleaved; now and then an older id, which goes to the map
                long registered =
                        random.nextInt(8) == 0 ? Math.max(0, id - random.nextInt(30)) : (id += 1 + random.nextInt(3));
                if (!waiting.containsKey(registered)) {
                    Delivery d = new Delivery(registered, random.nextInt(2));
                    assertThat(q.add(registered, d)).isTrue();
                    waiting.put(registered, d);
                }
            }
            long[] ids = waiting.keySet().stream().mapToLong(Long::longValue).toArray();
            long acked = ids[random.nextInt(ids.length)];
            Delivery through = waiting.remove(acked);
            assertThat(q.take(acked)).isEqualTo(through);
            int expectedDrops = 0;
            for (var it = waiting.values().iterator(); it.hasNext(); ) {
                Delivery d = it.next();
                if (d.channel() == through.channel() && d.id() < acked) {
                    it.remove();
                    expectedDrops++;
                }
            }
            int dropped = q.dropCovered(
                    acked, w -> w instanceof Delivery d && d.channel() == through.channel() && d.id() < acked);
            assertThat(dropped).as("trial %d", trial).isEqualTo(expectedDrops);
            assertThat(q.size()).as("trial %d", trial).isEqualTo(waiting.size());
            for (Delivery d : waiting.values()) { // the rest is still found, each once
                assertThat(q.take(d.id())).as("trial %d, id %d", trial, d.id()).isEqualTo(d);
            }
            assertThat(q.size()).isZero();
        }
    }

    @Test
    void aCumulativeAckForTheFrontsChannelMovesTheFrontPastWhatItDropped() {
        LoopAckQueue q = new LoopAckQueue();
        for (long id = 1; id <= 6; id++) {
            q.add(id, new Delivery(id, id == 3 ? 1 : 0));
        }
        assertThat(q.take(5)).isEqualTo(new Delivery(5, 0));
        assertThat(q.dropCovered(5, w -> ((Delivery) w).channel() == 0)).isEqualTo(3); // 1, 2 and 4
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.take(3)).as("the other channel's wait").isEqualTo(new Delivery(3, 1));
        assertThat(q.take(6)).isEqualTo(new Delivery(6, 0));
        assertThat(q.size()).isZero();
        assertThat(q.add(2, new Delivery(2, 0)))
                .as("an empty ring: the front moved past every hole")
                .isTrue();
        assertThat(q.take(2)).isEqualTo(new Delivery(2, 0));
    }

    @Test
    void neighbouringAckIdsStayDistinctAndSpreadOverTheLowBits() {
        for (long base : new long[] {1, 1_000_000, (1L << 53) - 200}) {
            Set<Long> keys = new HashSet<>();
            boolean[] slots = new boolean[256];
            for (long id = base; id < base + 100; id++) {
                long key = LoopAckQueue.scatter(id);
                assertThat(keys.add(key)).as("key of %d", id).isTrue();
                // where an open-addressing map of 256 slots with linear probing (Netty's) puts it
                int slot = (int) (key ^ (key >>> 32)) & 255;
                while (slots[slot]) {
                    slot = (slot + 1) & 255;
                }
                slots[slot] = true;
            }
            assertThat(longestRun(slots))
                    .as("longest run of neighbouring slots for ids from %d (unscattered: 100)", base)
                    .isLessThanOrEqualTo(16);
        }
    }

    private static int longestRun(boolean[] slots) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < 2 * slots.length; i++) { // twice round: a run may wrap
            run = slots[i % slots.length] ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, slots.length));
        }
        return longest;
    }
}
