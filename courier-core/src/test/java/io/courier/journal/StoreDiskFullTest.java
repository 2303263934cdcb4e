package io.courier.journal;

import static io.courier.journal.JournalTestSupport.SMALL;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.durable.JournalMessageStore;
import io.courier.durable.Retention;
import io.courier.durable.StoreLimits;
import io.courier.durable.StoredMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 4: publishes the disk refuses do not use up seqs. A subscriber reads a channel without a hole after
 * refusals, and a subscription made while a publish is in flight does not start past a seq that is handed out again.
 */
class StoreDiskFullTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static JournalMessageStore open(Path dir, FaultyChannels channels) throws Exception {
        return JournalMessageStore.open(
                SegmentLog.open(dir, SMALL, channels), c -> Retention.DEFAULT, StoreLimits.DEFAULT);
    }

    private static List<Long> seqs(List<StoredMessage> messages) {
        return messages.stream().map(StoredMessage::seq).toList();
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void publishesRefusedBehindAFailedWriteLeaveNoHoleInTheSeqs() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (JournalMessageStore store = open(dir, channels)) {
            store.subscribe("a", "c").join();
            for (int i = 1; i <= 10; i++) {
                assertThat(store.append("c", bytes("m" + i)).join().seq()).isEqualTo(i);
            }
            channels.blockWrites();
            CompletableFuture<StoredMessage> failing = store.append("c", bytes("fails"));
            assertThat(channels.writeBlocked().await(30, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<StoredMessage>> behind = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                behind.add(store.append("c", bytes("behind" + i)));
            }
            channels.failWrites(1, "No space left on device", false); // only the stuck write fails
            channels.unblockWrites();

            List<Long> stored = new ArrayList<>();
            assertThat(failing).failsWithin(30, TimeUnit.SECONDS);
            for (CompletableFuture<StoredMessage> f : behind) {
                try {
                    stored.add(f.get(30, TimeUnit.SECONDS).seq());
                } catch (java.util.concurrent.ExecutionException refused) {
                    // refused: it was behind the failed write
                }
            }
            for (int i = 0; i < 5; i++) {
                stored.add(store.append("c", bytes("after" + i)).join().seq());
            }
            // every acknowledged publish has the next seq: no hole where the refused ones were
            assertThat(stored).isEqualTo(range(11, 10 + stored.size()));
            List<StoredMessage> read = store.readAfter("c", 0, 100).join();
            assertThat(read).noneMatch(StoredMessage::lost);
            assertThat(seqs(read)).isEqualTo(range(1, 10 + stored.size()));
            assertThat(store.lastSeq("c").join()).isEqualTo(10 + stored.size());
        }
        try (JournalMessageStore store = open(dir, new FaultyChannels())) {
            List<StoredMessage> read = store.readAfter("c", 0, 100).join();
            assertThat(seqs(read)).isEqualTo(range(1, read.size()));
            assertThat(store.append("c", bytes("reopened")).join().seq()).isEqualTo(read.size() + 1);
        }
    }

    @Test
    void whileTheDiskStaysFullEveryPublishIsRefusedAndTheNextStoredOneTakesTheNextSeq() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (JournalMessageStore store = open(dir, channels)) {
            store.subscribe("a", "c").join();
            assertThat(store.append("c", bytes("one")).join().seq()).isEqualTo(1);
            channels.failWrites(Integer.MAX_VALUE, "No space left on device", true);
            List<CompletableFuture<StoredMessage>> refused = new ArrayList<>();
            for (int i = 0; i < 3465; i++) {
                refused.add(store.append("c", bytes("refused" + i)));
            }
            for (CompletableFuture<StoredMessage> f : refused) {
                assertThat(f).failsWithin(30, TimeUnit.SECONDS);
            }
            channels.failWrites(0, "", false);
            assertThat(store.append("c", bytes("two")).join().seq()).isEqualTo(2);
            assertThat(seqs(store.readAfter("c", 0, 10).join())).containsExactly(1L, 2L);
        }
    }

    @Test
    void aSubscriptionMadeWhileAPublishIsInFlightStartsAtTheNewestStoredSeq() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        try (JournalMessageStore store = open(dir, channels)) {
            store.subscribe("a", "c").join();
            for (int i = 1; i <= 3; i++) {
                store.append("c", bytes("m" + i)).join();
            }
            channels.blockWrites();
            CompletableFuture<StoredMessage> failing = store.append("c", bytes("fails"));
            assertThat(channels.writeBlocked().await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Long> late = store.subscribe("late", "c");
            channels.failWrites(1, "No space left on device", false);
            channels.unblockWrites();
            assertThat(failing).failsWithin(30, TimeUnit.SECONDS);
            long cursor = late.get(30, TimeUnit.SECONDS);
            assertThat(cursor).isEqualTo(3);

            StoredMessage next = store.append("c", bytes("next")).join();
            assertThat(next.seq()).isEqualTo(4);
            // the late subscriber gets the first message published after it subscribed
            assertThat(store.readAfter("c", cursor, 10).join())
                    .extracting(StoredMessage::id)
                    .containsExactly(next.id());
        }
    }
}
