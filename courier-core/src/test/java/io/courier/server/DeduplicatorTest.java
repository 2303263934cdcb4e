package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.CourierConfig;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How a window waits, under its socket's pid, for the socket that recovers the session. */
class DeduplicatorTest {
    private final List<TimerTask> scheduled = new ArrayList<>();
    private final Deduplicator deduplicator = new Deduplicator(
            CourierConfig.builder().deduplication(d -> {}).build().deduplication(),
            Duration.ofMinutes(2),
            new ManualTimer());

    @Test
    void aParkedWindowIsTakenOnceAndForgottenWhenTheDisconnectionHasLastedTooLong() throws Exception {
        DedupWindow w = deduplicator.newWindow();
        deduplicator.park("pid-1", w);
        assertThat(deduplicator.unpark("pid-1")).isSameAs(w);
        assertThat(deduplicator.unpark("pid-1")).isNull();

        DedupWindow other = deduplicator.newWindow();
        deduplicator.park("pid-2", other);
        runScheduled(0);
        runScheduled(0);
        assertThat(deduplicator.unpark("pid-2")).as("expired").isNull();
    }

    @Test
    void theExpiryOfAnEarlierParkingDoesNotForgetALaterOneOfTheSameWindow() throws Exception {
        DedupWindow w = deduplicator.newWindow();
        deduplicator.park("pid", w); // first drop
        deduplicator.unpark("pid"); // recovered
        deduplicator.park("pid", w); // second drop

        runScheduled(0); // the first parking's expiry

        assertThat(deduplicator.unpark("pid")).isSameAs(w);
    }

    private void runScheduled(int i) throws Exception {
        scheduled.remove(i).run(null);
    }

    /** Keeps every task for the test to run. */
    private final class ManualTimer implements Timer {
        @Override
        public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
            scheduled.add(task);
            return null;
        }

        @Override
        public Set<Timeout> stop() {
            return Set.of();
        }
    }
}
