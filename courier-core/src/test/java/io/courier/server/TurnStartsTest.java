package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lane drains started on an event loop go to the executor at the end of the loop's turn, together. */
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
