package io.courier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counts from Netty's threads (a cell each) and from other threads (the shared adder) add up, after threads end too. */
class StripedCountersTest {

    @Test
    void countsOfEveryKindOfThreadAddUpAndOutliveTheirThreads() throws Exception {
        StripedCounters counters = new StripedCounters(3);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Runnable adding = () -> {
                for (int i = 0; i < 100_000; i++) {
                    counters.add(0, 1);
                    counters.add(2, -2);
                }
            };
            threads.add(new FastThreadLocalThread(adding)); // as an event loop's thread: a cell of its own
            threads.add(new Thread(adding)); // any other thread: the shared adder
            threads.add(Thread.ofVirtual().unstarted(adding));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        counters.add(1, 5); // this thread: the adder
        assertThat(counters.sum(0)).isEqualTo(12 * 100_000L);
        assertThat(counters.sum(1)).isEqualTo(5);
        assertThat(counters.sum(2)).isEqualTo(-2 * 12 * 100_000L);
    }

    @Test
    void aLiveLoopThreadsCountsAreSeenAfterItSignals() throws Exception {
        StripedCounters counters = new StripedCounters(1);
        var done = new java.util.concurrent.CompletableFuture<Void>();
        var release = new java.util.concurrent.CountDownLatch(1);
        Thread loop = new FastThreadLocalThread(() -> {
            counters.add(0, 7);
            done.complete(null);
            try {
                release.await(); // still running while the count is read
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        loop.start();
        done.get();
        assertThat(counters.sum(0)).isEqualTo(7);
        release.countDown();
        loop.join();
    }
}
