package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the waits registered on a socket's event loop are keyed ({@link SocketAcks#scatter}). */
class SocketAcksTest {

    @Test
    void neighbouringAckIdsStayDistinctAndSpreadOverTheLowBits() {
        for (long base : new long[] {1, 1_000_000, (1L << 53) - 200}) {
            Set<Long> keys = new HashSet<>();
            boolean[] slots = new boolean[256];
            for (long id = base; id < base + 100; id++) {
                long key = SocketAcks.scatter(id);
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
