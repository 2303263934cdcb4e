package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A pump's deliveries in flight: acks matched by id in any order, the acknowledged prefix leaving in seq order. */
class InFlightRingTest {
    @Test
    void theAcknowledgedPrefixLeavesAndMovesTheCursorToItsEnd() {
        InFlightRing ring = new InFlightRing();
        for (long seq = 1; seq <= 5; seq++) {
            ring.add(seq, 100 + seq);
        }
        assertThat(ring.ack(102, false)).as("an ack behind the oldest").isEqualTo(1);
        assertThat(ring.removeAcked(0))
                .as("the oldest still waits: the cursor stays")
                .isZero();
        assertThat(ring.seqs()).containsExactly(1, 2, 3, 4, 5);

        assertThat(ring.ack(101, false)).isEqualTo(1);
        assertThat(ring.removeAcked(0)).isEqualTo(2);
        assertThat(ring.seqs()).containsExactly(3, 4, 5);
        assertThat(ring.unacked()).isEqualTo(3);

        assertThat(ring.ack(101, false)).as("an ack whose delivery left").isZero();
        assertThat(ring.ack(999, false)).as("an id no delivery carries").isZero();
        assertThat(ring.unacked()).isEqualTo(3);
    }

    @Test
    void theNextAckIsTakenOnlyWhenItIsForTheDeliveryAfterTheLastOneAcknowledged() {
        InFlightRing ring = new InFlightRing();
        for (long seq = 1; seq <= 4; seq++) {
            ring.add(seq, 10 * seq);
        }
        assertThat(ring.ackNext(10, false)).as("the first delivery, in order").isEqualTo(1);
        assertThat(ring.ackNext(30, false))
                .as("not the next one: not looked for")
                .isEqualTo(-1);
        assertThat(ring.unacked()).isEqualTo(3);
        assertThat(ring.ackNext(20, false)).isEqualTo(1);
        assertThat(ring.ackNext(30, true)).as("the next one, cumulative").isEqualTo(1);
        assertThat(ring.ackNext(40, false)).isEqualTo(1);
        assertThat(ring.unacked()).isZero();
        assertThat(ring.ack(10, false))
                .as("found by a walk: acknowledged already")
                .isZero();
        assertThat(ring.ackNext(40, false))
                .as("the hint follows the last ack found: after the first delivery now")
                .isEqualTo(-1);
    }

    @Test
    void aCumulativeAckAcknowledgesEveryEarlierDeliveryButNoLaterOne() {
        InFlightRing ring = new InFlightRing();
        for (long seq = 1; seq <= 6; seq++) {
            ring.add(seq, 10 * seq);
        }
        assertThat(ring.ack(20, false)).isEqualTo(1);
        assertThat(ring.ack(40, true))
                .as("1, 3 and 4: 2 was acknowledged already")
                .isEqualTo(3);
        assertThat(ring.ack(40, true)).as("again: nothing new").isZero();
        assertThat(ring.removeAcked(0)).isEqualTo(4);
        assertThat(ring.seqs()).containsExactly(5, 6);
        assertThat(ring.unacked()).isEqualTo(2);
    }

    @Test
    void acksAreFoundWhateverTheOrderOfTheIdsAlongTheRing() {
        // a pump that caught up from the store (its own packets, newer ids) and then went live (older, shared ids)
        InFlightRing ring = new InFlightRing();
        long[] ids = {500, 501, 502, 90, 91, 92};
        for (int k = 0; k < ids.length; k++) {
            ring.add(k + 1, ids[k]);
        }
        assertThat(ring.ack(91, false)).isEqualTo(1);
        assertThat(ring.ack(500, false)).isEqualTo(1);
        assertThat(ring.ack(92, false)).isEqualTo(1);
        assertThat(ring.ack(501, false)).isEqualTo(1);
        assertThat(ring.removeAcked(0)).isEqualTo(2);
        assertThat(ring.ack(90, true)).as("502 and 90").isEqualTo(2);
        assertThat(ring.removeAcked(2)).isEqualTo(6);
        assertThat(ring.size()).isZero();
    }

    @Test
    void itGrowsPastItsFirstSizeWithTheFrontAnywhereInIt() {
        InFlightRing ring = new InFlightRing();
        long seq = 0;
        for (; seq < 5; seq++) {
            ring.add(seq + 1, seq + 1);
        }
        ring.ack(3, true);
        assertThat(ring.removeAcked(0)).isEqualTo(3); // the front is now in the middle of the first arrays
        for (; seq < 40; seq++) {
            ring.add(seq + 1, seq + 1);
        }
        assertThat(ring.size()).isEqualTo(37);
        assertThat(ring.seqs()).startsWith(4, 5, 6).endsWith(39, 40);
        for (long id = 40; id >= 4; id--) { // every ack out of order, newest first
            assertThat(ring.ack(id, false)).isEqualTo(1);
        }
        assertThat(ring.removeAcked(3)).isEqualTo(40);
        assertThat(ring.unacked()).isZero();
    }

    @Test
    void clearingForgetsTheDeliveriesAndCountsThoseStillUnacknowledged() {
        InFlightRing ring = new InFlightRing();
        for (long seq = 1; seq <= 4; seq++) {
            ring.add(seq, seq);
        }
        ring.ack(3, false);
        assertThat(ring.clear()).isEqualTo(3);
        assertThat(ring.size()).isZero();
        assertThat(ring.ack(1, false)).as("an ack from before the clear").isZero();
        ring.add(7, 70);
        assertThat(ring.ack(70, false)).isEqualTo(1);
        assertThat(ring.removeAcked(6)).isEqualTo(7);
    }

    @Test
    void cumulativeAcksCountEachDeliveryOnceHoweverTheyMixWithSingleOnes() {
        InFlightRing ring = new InFlightRing();
        for (long seq = 1; seq <= 10; seq++) {
            ring.add(seq, 10 * seq);
        }
        assertThat(ring.ack(30, true)).as("1 to 3").isEqualTo(3);
        assertThat(ring.ack(20, false))
                .as("inside what the cumulative ack covered")
                .isZero();
        assertThat(ring.ack(20, true)).isZero();
        assertThat(ring.ack(40, true)).as("4 alone: 1 to 3 were counted").isEqualTo(1);
        assertThat(ring.ack(60, false)).isEqualTo(1);
        assertThat(ring.ack(50, true)).as("5, not 6").isEqualTo(1);
        assertThat(ring.ack(70, true)).as("7: 6 came on its own").isEqualTo(1);
        assertThat(ring.unacked()).isEqualTo(3);
        for (long seq = 11; seq <= 20; seq++) { // grows with the covered prefix still in the ring
            ring.add(seq, 10 * seq);
        }
        assertThat(ring.ack(80, false)).isEqualTo(1);
        assertThat(ring.ack(100, true)).as("9 and 10").isEqualTo(2);
        assertThat(ring.unacked()).isEqualTo(10);
        assertThat(ring.removeAcked(0)).isEqualTo(10);
        assertThat(ring.seqs()).containsExactly(11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        assertThat(ring.ack(100, true)).as("left the ring").isZero();
        assertThat(ring.ack(120, true)).isEqualTo(2);
        assertThat(ring.ack(130, false)).isEqualTo(1);
        assertThat(ring.removeAcked(10)).isEqualTo(13);
        assertThat(ring.unacked()).isEqualTo(7);
        assertThat(ring.clear()).isEqualTo(7);
    }
}
