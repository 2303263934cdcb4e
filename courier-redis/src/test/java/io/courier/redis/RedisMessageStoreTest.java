package io.courier.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.courier.durable.ChannelStats;
import io.courier.durable.MessageStore;
import io.courier.durable.MessageStoreFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreException;
import io.courier.durable.StoreLimitException;
import io.courier.durable.StoreLimits;
import io.courier.durable.StoredMessage;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageStore} contract (as {@code MessageStoreTest} states it for the embedded stores) on the local Redis,
 * and what a cluster adds: two nodes' stores share the same queues. Each test has its own key prefix, removed after.
 */
class RedisMessageStoreTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final Function<String, Retention> DEFAULT = c -> Retention.DEFAULT;
    private final String prefix = "courier-test-" + UUID.randomUUID();
    private final List<MessageStore> opened = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        opened.forEach(MessageStore::close);
        RedisClient client = RedisClient.create(REDIS);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (String key : c.sync()
                    .scan(ScanArgs.Builder.matches(prefix + ":*").limit(10_000))
                    .getKeys()) {
                c.sync().del(key);
            }
        } finally {
            client.shutdown();
        }
    }

    private MessageStore open() throws Exception {
        return open(DEFAULT, StoreLimits.DEFAULT);
    }

    private MessageStore open(Function<String, Retention> retention, StoreLimits limits) throws Exception {
        MessageStoreFactory factory = RedisMessageStore.factory(REDIS, prefix);
        MessageStore s = factory.open(
                new MessageStoreFactory.Settings(retention, limits, io.courier.journal.FsyncPolicy.ALWAYS));
        opened.add(s);
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> texts(List<StoredMessage> messages) {
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
        assertThat(s.lastSeq("nothing").join()).isZero();
        assertThat(s.stats("news").join().orElseThrow())
                .extracting(ChannelStats::messages, ChannelStats::subscribers, ChannelStats::firstSeq)
                .containsExactly(2L, 2, 1L);
        assertThat(s.stats("nothing").join()).isEmpty();
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
        assertThat(s.channels()).extracting(ChannelStats::channel).containsExactlyInAnyOrder("news", "nobody-listens");
    }

    @Test
    void retentionRemovesUnacknowledgedMessagesAndSaysHowFar() throws Exception {
        MessageStore s =
                open(c -> new Retention(Duration.ofMinutes(1), c.equals("small") ? 10 : 1 << 20), StoreLimits.DEFAULT);
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
        List<StoredMessage> read = s.readAfter("small", 0, 10).join();
        assertThat(read)
                .extracting(StoredMessage::lost, StoredMessage::seq)
                .containsExactly(tuple(true, 2L), tuple(false, 3L), tuple(false, 4L));
        assertThat(texts(read.subList(1, 3))).containsExactly("12343", "12344");
        assertThat(s.readAfter("small", 1, 1).join())
                .extracting(StoredMessage::lost, StoredMessage::seq)
                .containsExactly(tuple(true, 2L));
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
        assertThat(s.subscribe("a", "two").join()).isZero();
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
        s.append("four", bytes("y")).join();
        assertThatThrownBy(() -> s.append("five", bytes("z")).join())
                .hasCauseInstanceOf(StoreLimitException.class)
                .hasMessageContaining("4 channels")
                .hasMessageContaining("maxChannels");
        assertThat(s.stats("five").join()).isEmpty();
        assertThat(s.append("one", bytes("still")).join().seq()).isEqualTo(1);

        s.unsubscribe("b", "one").join();
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
    void twoNodesShareTheQueuesAndTheirSeqsStayDense() throws Exception {
        MessageStore a = open();
        MessageStore b = open();
        a.subscribe("reader", "busy").join();
        int each = 300;
        ConcurrentLinkedQueue<Long> seqsSeen = new ConcurrentLinkedQueue<>();
        List<Thread> publishers = new ArrayList<>();
        for (MessageStore node : List.of(a, b, a, b)) {
            publishers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    seqsSeen.add(node.append("busy", bytes("x")).join().seq());
                }
            }));
        }
        for (Thread t : publishers) {
            t.join();
        }
        // either node reads all of them, in seq order, without a hole
        for (MessageStore node : List.of(a, b)) {
            List<Long> seqs = node.readAfter("busy", 0, 4 * each).join().stream()
                    .map(StoredMessage::seq)
                    .toList();
            assertThat(seqs).hasSize(4 * each).isSorted().doesNotHaveDuplicates();
            assertThat(seqs.get(seqs.size() - 1)).isEqualTo(4L * each);
        }
        assertThat(seqsSeen).hasSize(4 * each).doesNotHaveDuplicates();
        // the cursor one node commits is the one the other node resumes from
        a.commit("reader", "busy", 700).join();
        assertThat(b.subscriptions("reader").join()).containsEntry("busy", 700L);
        assertThat(b.readAfter("busy", 700, 1).join())
                .extracting(StoredMessage::seq)
                .containsExactly(701L);
    }

    @Test
    void everyNodeHearsEveryAppendInSeqOrderWithItsPayload() throws Exception {
        MessageStore a = open();
        MessageStore b = open();
        java.util.concurrent.LinkedBlockingQueue<StoredMessage> heard =
                new java.util.concurrent.LinkedBlockingQueue<>();
        assertThat(b.feedAppends(new MessageStore.AppendListener() {
                    @Override
                    public void appended(StoredMessage message) {
                        heard.add(message);
                    }

                    @Override
                    public void missedSome() {}
                }))
                .isTrue();
        byte[] binary = {0, ' ', 1, (byte) 0xff, ' '};
        a.append("with space", binary).join();
        for (int i = 0; i < 100; i++) {
            (i % 2 == 0 ? a : b).append("with space", bytes("m" + i)).join();
        }
        StoredMessage first = heard.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(first.channel()).isEqualTo("with space");
        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.payload()).isEqualTo(binary);
        for (int i = 0; i < 100; i++) {
            StoredMessage m = heard.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(m.seq()).isEqualTo(i + 2);
            assertThat(new String(m.payload(), UTF_8)).isEqualTo("m" + i);
        }
        assertThat(RedisMessageStore.notice(bytes("not a notice"))).isNull();
    }
}
