package io.courier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Wake-ups asked for while a thread completes a batch run once it is complete; anywhere else, at once. */
class HeldWakeUpsTest {
    @Test
    void wakeUpsAskedForWhileHoldingRunAfterTheCompletionsInOrder() {
        List<String> seen = new ArrayList<>();
        HeldWakeUps.holding(() -> {
            for (int i = 1; i <= 3; i++) {
                String n = "completed " + i;
                seen.add(n);
                HeldWakeUps.wakeUp(() -> seen.add("woken after " + n));
            }
        });
        assertThat(seen)
                .containsExactly(
                        "completed 1",
                        "completed 2",
                        "completed 3",
                        "woken after completed 1",
                        "woken after completed 2",
                        "woken after completed 3");
    }

    @Test
    void outsideHoldingAWakeUpRunsAtOnce() {
        List<String> seen = new ArrayList<>();
        HeldWakeUps.wakeUp(() -> seen.add("woken"));
        seen.add("after");
        HeldWakeUps.holding(() -> {});
        HeldWakeUps.wakeUp(() -> seen.add("woken again")); // a thread that held once does not hold any more
        assertThat(seen).containsExactly("woken", "after", "woken again");
    }

    @Test
    void nestedHoldingReleasesOnlyAtTheOutermostEnd() {
        List<String> seen = new ArrayList<>();
        HeldWakeUps.holding(() -> {
            HeldWakeUps.holding(() -> HeldWakeUps.wakeUp(() -> seen.add("inner wake-up")));
            seen.add("inner done");
        });
        assertThat(seen).containsExactly("inner done", "inner wake-up");
    }

    @Test
    void aWakeUpAskedForOnAnotherThreadIsNotHeld() throws Exception {
        List<String> seen = new ArrayList<>();
        HeldWakeUps.holding(() -> {
            CompletableFuture.runAsync(() -> HeldWakeUps.wakeUp(() -> seen.add("other thread")))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();
            synchronized (seen) {
                seen.add("still holding");
            }
        });
        assertThat(seen).containsExactly("other thread", "still holding");
    }

    @Test
    void everyWakeUpRunsEvenWhenSomeThrowAndTheFirstFailureIsThrown() {
        List<String> seen = new ArrayList<>();
        RuntimeException first = new IllegalStateException("first");
        RuntimeException second = new IllegalStateException("second");
        assertThatThrownBy(() -> HeldWakeUps.holding(() -> {
                    HeldWakeUps.wakeUp(() -> {
                        throw first;
                    });
                    HeldWakeUps.wakeUp(() -> seen.add("ran"));
                    HeldWakeUps.wakeUp(() -> {
                        throw second;
                    });
                }))
                .isSameAs(first)
                .hasSuppressedException(second);
        assertThat(seen).containsExactly("ran");
        HeldWakeUps.wakeUp(() -> seen.add("not held afterwards"));
        assertThat(seen).containsExactly("ran", "not held afterwards");
    }
}
