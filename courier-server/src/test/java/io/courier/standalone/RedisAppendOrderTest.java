package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.durable.MessageStore;
import io.courier.durable.MessageStoreFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreLimits;
import io.courier.durable.StoredMessage;
import io.courier.journal.FsyncPolicy;
import io.courier.redis.RedisMessageStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Appends to one channel, issued one after the other without waiting, get their seqs in the order they were issued,
 * also when Redis has no script cached (its first use, a restart, {@code SCRIPT FLUSH}). Seen in ReconnectStormTest:
 * the first appends of a batch fell back from EVALSHA to EVAL after NOSCRIPT, while later ones, sent once an earlier
 * fallback had loaded the script, went through at once and took the lower seqs.
 */
class RedisAppendOrderTest {
    @Test
    void appendsKeepTheirOrderWhenRedisHasNoScript() throws Exception {
        try (RedisServer redis = new RedisServer().start()) {
            MessageStore store = RedisMessageStore.factory(redis.uri(), "order")
                    .open(new MessageStoreFactory.Settings(
                            c -> Retention.DEFAULT, StoreLimits.DEFAULT, FsyncPolicy.ALWAYS));
            try {
                for (int round = 0; round < 6; round++) {
                    flushScripts(redis.uri()); // as a restarted Redis
                    List<CompletableFuture<StoredMessage>> appends = new ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        appends.add(store.append("ch" + (i % 3), ("" + i).getBytes(StandardCharsets.UTF_8)));
                        // issued over a few milliseconds, as a batch the HTTP API takes apart: answers to the first
                        // appends come back while later ones are still being issued
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    }
                    CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new))
                            .join();
                    for (int c = 0; c < 3; c++) {
                        List<Integer> payloads = store.readAfter("ch" + c, 100L * round, 1000).join().stream()
                                .map(m -> Integer.parseInt(new String(m.payload(), StandardCharsets.UTF_8)))
                                .toList();
                        assertThat(payloads)
                                .as("round %d, ch%d in seq order", round, c)
                                .hasSize(100)
                                .isSorted();
                    }
                }
            } finally {
                store.close();
            }
        }
    }

    private static void flushScripts(String uri) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().scriptFlush();
        } finally {
            client.shutdown();
        }
    }
}
