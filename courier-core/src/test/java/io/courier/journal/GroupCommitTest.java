package io.courier.journal;

import static io.courier.journal.JournalTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandConcurrentAppendsGetUniqueDensePositionsAndReadBackOnceInOrder() throws Exception {
        int threads = 8;
        int perThread = 1250;
        JournalConfig config =
                JournalConfig.defaults().withSegmentBytes(64 << 10).withMaxRecordBytes(1024);
        ConcurrentHashMap<Long, String> payloadByPosition = new ConcurrentHashMap<>();
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<CompletableFuture<Long>>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<Long>> futures = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        String payload = "t" + thread + "-" + i;
                        futures.add(log.append(payload.getBytes())
                                .whenComplete((p, e) -> payloadByPosition.put(p, payload)));
                    }
                    return futures;
                }));
            }
            start.countDown();
            List<Long> positions = new ArrayList<>();
            for (Future<List<CompletableFuture<Long>>> result : results) {
                for (CompletableFuture<Long> future : result.get(30, TimeUnit.SECONDS)) {
                    positions.add(await(future));
                }
            }
            pool.shutdown();
            assertThat(new HashSet<>(positions)).hasSize(threads * perThread);
            assertThat(positions).allSatisfy(p -> assertThat(p).isBetween(1L, (long) threads * perThread));
            assertThat(log.lastPosition()).isEqualTo(threads * perThread);

            List<LogRecord> records = log.read(1, threads * perThread + 10);
            assertThat(records).hasSize(threads * perThread);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < records.size(); i++) {
                LogRecord record = records.get(i);
                assertThat(record.position()).isEqualTo(i + 1);
                String payload = new String(record.payload());
                assertThat(payload).isEqualTo(payloadByPosition.get(record.position()));
                assertThat(seen.add(payload)).isTrue();
            }
        }
    }

    @Test
    void thePendingAppendBeyondMaxPendingAppendsFailsFastAndFuturesCompleteOnTheWriterThread() throws Exception {
        FaultyChannels channels = new FaultyChannels();
        JournalConfig config = JournalTestSupport.SMALL.withMaxPendingAppends(10);
        try (SegmentLog log = SegmentLog.open(dir, config, channels)) {
            channels.blockWrites();
            List<CompletableFuture<Long>> accepted = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                accepted.add(log.append(new byte[] {(byte) i}));
            }
            assertThat(channels.writeBlocked().await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> log.append(new byte[] {42}))
                    .isInstanceOf(JournalFullException.class)
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("maxPendingAppends");
            assertThat(accepted).noneSatisfy(f -> assertThat(f).isDone());
            // nobody else touches the futures until they completed, so the callbacks run where they were completed
            Set<String> completingThreads = ConcurrentHashMap.newKeySet();
            CountDownLatch completed = new CountDownLatch(accepted.size());
            accepted.forEach(f -> f.whenComplete((p, e) -> {
                completingThreads.add(Thread.currentThread().getName());
                completed.countDown();
            }));
            channels.unblockWrites();
            assertThat(completed.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 10; i++) {
                assertThat(await(accepted.get(i))).isEqualTo(i + 1);
            }
            assertThat(await(log.append(new byte[] {42}))).isEqualTo(11);
            assertThat(completingThreads).singleElement().asString().startsWith("courier-journal-writer-");
        }
    }

    @Test
    void appendThroughputIsPrinted() throws IOException {
        int count = 200_000;
        byte[] payload = new byte[200];
        try (SegmentLog log = SegmentLog.open(dir)) {
            List<CompletableFuture<Long>> futures = new ArrayList<>(count);
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                ByteBuffer.wrap(payload).putInt(0, i);
                byte[] copy = payload.clone();
                for (; ; ) {
                    try {
                        futures.add(log.append(copy));
                        break;
                    } catch (JournalFullException e) {
                        Thread.onSpinWait();
                    }
                }
            }
            await(futures.get(count - 1));
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "journal throughput: %d durable appends of 200 B (FsyncPolicy.ALWAYS, defaults) in %.2f s = %.0f"
                            + " appends/s%n",
                    count, seconds, count / seconds);
            assertThat(log.lastPosition()).isEqualTo(count);
        }
    }

    @Test
    void whatTheCompletionsOfABatchWakeRunsOnceTheWholeBatchIsComplete() throws Exception {
        // one batch for sure: the writer lingers after the first append until it has 6, and the sixth comes only
        // once the five before it have their dependents
        JournalConfig config =
                JournalConfig.defaults().withMaxBatch(6).withMaxBatchDelay(java.time.Duration.ofSeconds(10));
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                int n = i;
                done.add(log.append(("m" + n).getBytes()).thenAccept(position -> {
                    seen.add("completed " + position);
                    io.courier.internal.HeldWakeUps.wakeUp(() -> seen.add("woken by " + position));
                }));
            }
            done.add(log.append("last".getBytes()).thenAccept(position -> {}));
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        assertThat(seen)
                .containsExactly(
                        "completed 1",
                        "completed 2",
                        "completed 3",
                        "completed 4",
                        "completed 5",
                        "woken by 1",
                        "woken by 2",
                        "woken by 3",
                        "woken by 4",
                        "woken by 5");
    }

    @Test
    void aWakeUpThatFailsIsNotAWriteFailure() throws Exception {
        // a batch of exactly a and b; c and d are queued behind it before the batch's completions run
        JournalConfig config =
                JournalConfig.defaults().withMaxBatch(2).withMaxBatchDelay(java.time.Duration.ofSeconds(10));
        try (SegmentLog log = SegmentLog.open(dir, config)) {
            CountDownLatch cQueued = new CountDownLatch(1);
            CompletableFuture<Long> a = log.append("a".getBytes());
            CompletableFuture<Void> woken = a.thenAccept(position -> {
                try {
                    cQueued.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                io.courier.internal.HeldWakeUps.wakeUp(() -> {
                    throw new RejectedExecutionException("the woken executor is shutting down");
                });
            });
            CompletableFuture<Long> b = log.append("b".getBytes());
            // as the durable store appends: refused if a write failed after this was made
            CompletableFuture<Long> c = log.append("c".getBytes(), log.writeFailures());
            CompletableFuture<Long> d = log.append("d".getBytes(), log.writeFailures()); // c's batch full
            cQueued.countDown();
            // woken first: a thread waiting in a.get() helps run a's dependents, and the wake-up must fail on the
            // writer's thread, in its completions (it once ran on this thread, inside await(a), and threw here)
            woken.get(30, TimeUnit.SECONDS);
            assertThat(await(a)).isEqualTo(1);
            assertThat(await(b)).isEqualTo(2);
            assertThat(await(c))
                    .as("queued behind the batch: not refused as behind a failed write")
                    .isEqualTo(3);
            assertThat(await(d)).isEqualTo(4);
            assertThat(log.writeFailures()).isZero();
            assertThat(log.read(1, 10)).extracting(r -> new String(r.payload())).containsExactly("a", "b", "c", "d");
        }
    }

    @Test
    void recordsQueuedWhileTheWriterPausesAtALoneRecordJoinItsBatch() throws Exception {
        // the defaults: no batch delay, a batch is what is queued when the writer takes it, one fsync each
        try (SegmentLog log = SegmentLog.open(dir)) {
            assertThat(await(log.append("warm-up".getBytes()))).isEqualTo(1); // the first segment exists after it
            List<CompletableFuture<Long>> more = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
            // stands for the producers the writer's yield lets run: they append while it pauses
            log.writer().loneRecordPause = () -> {
                if (armed.getAndSet(false)) {
                    for (int i = 0; i < 3; i++) {
                        more.add(log.append(("queued meanwhile " + i).getBytes()));
                    }
                }
            };
            long fsyncs = log.stats().fsyncs();
            assertThat(await(log.append("lone".getBytes()))).isEqualTo(2);
            assertThat(more).hasSize(3);
            for (int i = 0; i < 3; i++) {
                assertThat(await(more.get(i))).isEqualTo(3 + i);
            }
            assertThat(log.stats().fsyncs() - fsyncs).as("one batch, one fsync").isEqualTo(1);
        }
    }
}
