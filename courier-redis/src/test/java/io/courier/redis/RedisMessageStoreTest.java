package io.courier.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.courier.durable.MessageStore;
import io.courier.durable.MessageStoreContract;
import io.courier.durable.MessageStoreFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreLimits;
import io.courier.durable.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageStore} contract ({@link MessageStoreContract}) on the local Redis, and what a cluster adds: two
 * nodes' stores share the same queues and hear every append. Each test has its own key prefix, removed after.
 */
class RedisMessageStoreTest extends MessageStoreContract {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private final String prefix = "courier-test-" + UUID.randomUUID();

    @AfterEach
    void removeKeys() {
        RedisKeys.deleteAll(REDIS, prefix);
    }

    @Override
    protected MessageStore openStore(Function<String, Retention> retention, StoreLimits limits) throws Exception {
        return RedisMessageStore.factory(REDIS, prefix)
                .open(new MessageStoreFactory.Settings(retention, limits, io.courier.journal.FsyncPolicy.ALWAYS));
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
