package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.nio.NioIoHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lane drains started on an event loop go to the executor together: at the end of the loop's turn, or, for clients'
 * events on Netty's I/O loops, after the next iteration's pass of I/O.
 */
class TurnStartsTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<String> log = new CopyOnWriteArrayList<>();
    /** Runs what it is given on the calling thread, and notes each hand-over. */
    private final Executor executor = task -> {
        log.add("execute");
        task.run();
    };

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void drainsOfOneTurnGoOverInOneHandOverAfterTheTurn() throws Exception {
        loop.submit(() -> {
                    for (int i = 0; i < 3; i++) {
                        int n = i;
                        TurnStarts.start(executor, () -> log.add("drain " + n));
                    }
                    log.add("turn done");
                })
                .get(5, TimeUnit.SECONDS);
        loop.submit(() -> {}).get(5, TimeUnit.SECONDS); // the turn's hand-over has run by now
        // one hand-over for the turn, from which each drain is handed to the executor on its own, in order
        assertThat(log)
                .containsExactly(
                        "turn done", "execute", "execute", "drain 0", "execute", "drain 1", "execute", "drain 2");
    }

    /**
     * On an I/O loop the hand-over of clients' events waits for the next iteration's pass of I/O; what starts before
     * that iteration's tasks run (here a task run after the iteration, as the read of an event in that pass would) goes
     * over with it.
     */
    @Test
    void onAnIoLoopClientEventsStartedUntilTheNextIterationsTasksGoOverTogether() throws Exception {
        assertThat(twoStartsAnIterationApart(TurnStarts::startAfterNextReads))
                // handed over at the end of the turn, "drain a" would have gone alone, "drain b" in a turn of its own
                .containsExactly("turn done", "execute", "execute", "drain a", "execute", "drain b");
    }

    /** Internal tasks (ack completions, durable acks handed to their lanes) go at the end of the turn, as before. */
    @Test
    void onAnIoLoopOtherDrainsGoOverAtTheEndOfTheTurn() throws Exception {
        assertThat(twoStartsAnIterationApart(TurnStarts::start))
                .containsExactly("turn done", "execute", "drain a", "execute", "drain b");
    }

    /** Starts drain a in a task of an I/O loop, and drain b in a task run after that iteration; the log. */
    private List<String> twoStartsAnIterationApart(BiConsumer<Executor, Runnable> start) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SingleThreadIoEventLoop io = (SingleThreadIoEventLoop) group.next();
            CountDownLatch drained = new CountDownLatch(2);
            io.execute(() -> {
                start.accept(executor, () -> {
                    log.add("drain a");
                    drained.countDown();
                });
                log.add("turn done");
                io.executeAfterEventLoopIteration(() -> start.accept(executor, () -> {
                    log.add("drain b");
                    drained.countDown();
                }));
            });
            assertThat(drained.await(5, TimeUnit.SECONDS)).isTrue();
            return log;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void onAnIdleIoLoopALoneClientEventIsHandedOver() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CountDownLatch drained = new CountDownLatch(1);
            group.next()
                    .execute(() -> TurnStarts.startAfterNextReads(executor, () -> {
                        log.add("drain");
                        drained.countDown();
                    }));
            assertThat(drained.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(log).containsExactly("execute", "drain");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSingleDrainOfATurnIsHandedOverAlone() throws Exception {
        loop.submit(() -> TurnStarts.start(executor, () -> log.add("drain"))).get(5, TimeUnit.SECONDS);
        loop.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertThat(log).containsExactly("execute", "drain");
    }

    @Test
    void offAnEventLoopADrainStartsAtOnce() {
        TurnStarts.start(executor, () -> log.add("drain"));
        log.add("returned");
        assertThat(log).containsExactly("execute", "drain", "returned");
    }

    @Test
    void drainsForDifferentExecutorsGoToTheirOwn() throws Exception {
        List<String> other = new CopyOnWriteArrayList<>();
        Executor second = task -> {
            other.add("execute");
            task.run();
        };
        loop.submit(() -> {
                    TurnStarts.start(executor, () -> log.add("drain a"));
                    TurnStarts.start(second, () -> other.add("drain b"));
                })
                .get(5, TimeUnit.SECONDS);
        loop.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertThat(log).containsExactly("execute", "drain a");
        assertThat(other).containsExactly("execute", "drain b");
    }
}
