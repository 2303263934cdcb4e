package io.courier.durable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageStore} contract, for any store: each store's test class extends it and says how to open one
 * ({@code InMemoryMessageStoreTest}, {@code JournalMessageStoreTest}, courier-redis's {@code RedisMessageStoreTest}).
 */
public abstract class MessageStoreContract {
    protected static final Function<String, Retention> DEFAULT = c -> Retention.DEFAULT;
    private final List<MessageStore> opened = new ArrayList<>();

    /** A new store with these settings; the contract closes it after the test. */
    protected abstract MessageStore openStore(Function<String, Retention> retention, StoreLimits limits)
            throws Exception;

    @AfterEach
    void closeStores() {
        opened.forEach(MessageStore::close);
    }

    protected final MessageStore open() throws Exception {
        return open(DEFAULT, StoreLimits.DEFAULT);
    }

    protected final MessageStore open(Function<String, Retention> retention) throws Exception {
        return open(retention, StoreLimits.DEFAULT);
    }

    protected final MessageStore open(Function<String, Retention> retention, StoreLimits limits) throws Exception {
        MessageStore s = openStore(retention, limits);
        opened.add(s);
        return s;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    protected static List<String> texts(List<StoredMessage> messages) {
        return messages.stream().map(m -> new String(m.payload(), UTF_8)).toList();
    }

    @Test
    void storesEachMessageOnceAndReadsItBackInOrderAfterACursor() throws Exception {
        MessageStore s = open();
        assertThat(s.subscribe("a", "news").join()).isZero();
        assertThat(s.subscribe("b", "news").join()).isZero();
        StoredMessage one = s.append("news", bytes("one")).join();
        StoredMessage two = s.append("news", bytes("two")).join();
        s.append("other", bytes("elsewhere")).join();

        assertThat(one.seq()).isEqualTo(1);
        assertThat(two.seq()).isEqualTo(2);
        assertThat(two.id()).isNotEqualTo(one.id());
        assertThat(texts(s.readAfter("news", 0, 10).join())).containsExactly("one", "two");
        assertThat(texts(s.readAfter("news", 1, 10).join())).containsExactly("two");
        assertThat(s.readAfter("news", 0, 10).join())
                .extracting(StoredMessage::id)
                .containsExactly(one.id(), two.id());
        assertThat(texts(s.readAfter("news", 0, 1).join())).containsExactly("one");
        assertThat(s.readAfter("nothing", 0, 10).join()).isEmpty();
        assertThat(s.lastSeq("news").join()).isEqualTo(2);
        assertThat(s.stats("news").join().orElseThrow())
                .extracting(ChannelStats::messages, ChannelStats::subscribers, ChannelStats::firstSeq)
                .containsExactly(2L, 2, 1L);
    }

    @Test
    void aSubscriptionStartsAtTheChannelsNewestMessageAndIsIdempotent() throws Exception {
        MessageStore s = open();
        s.subscribe("early", "news").join();
        s.append("news", bytes("before")).join();
        assertThat(s.subscribe("late", "news").join()).isEqualTo(1);
        assertThat(s.subscribe("late", "news").join()).isEqualTo(1);
        s.commit("early", "news", 1).join();
        assertThat(s.subscriptions("early").join()).containsEntry("news", 1L);
        s.commit("early", "news", 0).join();
        assertThat(s.subscriptions("early").join())
                .as("cursors never move back")
                .containsEntry("news", 1L);
        s.unsubscribe("late", "news").join();
        assertThat(s.subscribers("news").join()).containsExactly("early");
        assertThat(s.subscriptions("late").join()).isEmpty();
    }

    @Test
    void aMessageGoesOnceEverySubscriberAcknowledgedIt() throws Exception {
        MessageStore s = open();
        s.subscribe("a", "news").join();
        s.subscribe("b", "news").join();
        for (int i = 1; i <= 3; i++) {
            s.append("news", bytes("m" + i)).join();
        }
        s.commit("a", "news", 3).join();
        s.commit("b", "news", 1).join();
        s.maintain(System.currentTimeMillis());
        assertThat(texts(s.readAfter("news", 0, 10).join())).containsExactly("m2", "m3");
        assertThat(s.stats("news").join().orElseThrow().expiredThrough()).isZero();

        s.append("nobody-listens", bytes("x")).join();
        s.maintain(System.currentTimeMillis());
        assertThat(s.readAfter("nobody-listens", 0, 10).join())
                .as("no subscriber, nothing kept")
                .isEmpty();
    }

    @Test
    void retentionRemovesUnacknowledgedMessagesAndSaysHowFar() throws Exception {
        MessageStore s = open(c -> new Retention(Duration.ofMinutes(1), c.equals("small") ? 10 : 1 << 20));
        s.subscribe("a", "small").join();
        s.subscribe("a", "old").join();
        for (int i = 1; i <= 4; i++) {
            s.append("small", bytes("1234" + i)).join(); // 5 bytes each
        }
        s.append("old", bytes("old")).join();
        long now = System.currentTimeMillis();
        s.maintain(now);
        assertThat(s.stats("small").join().orElseThrow().expiredThrough()).isEqualTo(2);
        assertThat(s.stats("old").join().orElseThrow().expiredThrough()).isZero();
        // a reader behind the removed messages reads the gap first, then what is kept
        List<StoredMessage> read = s.readAfter("small", 0, 10).join();
        assertThat(read)
                .extracting(StoredMessage::lost, StoredMessage::seq)
                .containsExactly(tuple(true, 2L), tuple(false, 3L), tuple(false, 4L));
        assertThat(texts(read.subList(1, 3))).containsExactly("12343", "12344");
        assertThat(s.readAfter("small", 1, 1).join())
                .extracting(StoredMessage::lost, StoredMessage::seq)
                .containsExactly(tuple(true, 2L)); // the gap counts toward max
        assertThat(texts(s.readAfter("small", 2, 10).join())).containsExactly("12343", "12344");

        s.maintain(now + Duration.ofMinutes(2).toMillis());
        assertThat(s.readAfter("old", 0, 10).join())
                .extracting(StoredMessage::lost, StoredMessage::seq)
                .containsExactly(tuple(true, 1L));
        assertThat(s.readAfter("old", 1, 10).join()).isEmpty();
        assertThat(s.stats("old").join().orElseThrow().expiredThrough()).isEqualTo(1);
    }

    @Test
    void limitsRefuseNewStateByNameAndKeepServingWhatIsStored() throws Exception {
        MessageStore s = open(DEFAULT, new StoreLimits(2, 3, 4));
        s.subscribe("a", "one").join();
        s.subscribe("a", "two").join();
        assertThat(s.subscribe("a", "two").join()).isZero(); // an existing subscription is no new state
        assertThatThrownBy(() -> s.subscribe("a", "three").join())
                .hasCauseInstanceOf(StoreLimitException.class)
                .hasMessageContaining("a has 2 subscriptions")
                .hasMessageContaining("maxSubscriptionsPerClient");
        s.subscribe("b", "one").join();
        assertThatThrownBy(() -> s.subscribe("c", "one").join())
                .hasCauseInstanceOf(StoreLimitException.class)
                .hasMessageContaining("3 subscriptions")
                .hasMessageContaining("(maxSubscriptions)");
        assertThat(s.subscriptions("c").join()).isEmpty();

        s.append("three", bytes("x")).join();
        s.append("four", bytes("y")).join(); // channels one, two, three, four
        assertThatThrownBy(() -> s.append("five", bytes("z")).join())
                .hasCauseInstanceOf(StoreLimitException.class)
                .hasMessageContaining("4 channels")
                .hasMessageContaining("maxChannels");
        assertThat(s.stats("five").join()).isEmpty();
        assertThat(s.append("one", bytes("still")).join().seq()).isEqualTo(1); // existing channels take publishes

        s.unsubscribe("b", "one").join(); // room again
        s.subscribe("c", "one").join();
        assertThat(s.subscriptions("c").join()).containsKey("one");
    }

    @Test
    void namesAreCheckedAndAClosedStoreRefusesWork() throws Exception {
        MessageStore s = open();
        assertThatThrownBy(() -> s.append("", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.subscribe("a".repeat(1025), "c")).isInstanceOf(IllegalArgumentException.class);
        s.close();
        assertThatThrownBy(() -> s.append("c", bytes("x")).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StoreException.class);
    }

    @Test
    void concurrentPublishersLeaveTheChannelIndexInSeqOrderWithoutHoles() throws Exception {
        MessageStore s = open();
        s.subscribe("a", "busy").join();
        int threads = 8;
        int each = 300;
        List<Thread> publishers = new java.util.ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<Long> completionOrder =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int t = 0; t < threads; t++) {
            publishers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    s.append("busy", bytes("x"))
                            .thenAccept(m -> completionOrder.add(m.seq()))
                            .join();
                }
            }));
        }
        for (Thread t : publishers) {
            t.join();
        }
        List<Long> seqs = s.readAfter("busy", 0, threads * each).join().stream()
                .map(StoredMessage::seq)
                .toList();
        assertThat(seqs).hasSize(threads * each).isSorted().doesNotHaveDuplicates();
        assertThat(seqs.get(seqs.size() - 1)).isEqualTo((long) threads * each);
    }
}
