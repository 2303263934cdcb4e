package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LoginLimiter limiter = new LoginLimiter(now::get);

    /** Tries as an attacker would: whenever not blocked, a wrong password; returns the blocks it started. */
    private List<Duration> guess(String address, int tries, Duration between) {
        List<Duration> blocks = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            if (limiter.attempt(address) instanceof LoginLimiter.BlockStarted b) {
                blocks.add(b.duration());
            }
            now.addAndGet(between.toNanos());
        }
        return blocks;
    }

    @Test
    void twoThousandRapidTriesGetFiveLooksAtThePasswordAndOneBlock() {
        int checked = 0;
        int blocks = 0;
        for (int i = 0; i < 2000; i++) {
            now.addAndGet(Duration.ofNanos(650_000).toNanos()); // 2,000 tries in 1.3 s
            LoginLimiter.Outcome attempt = limiter.attempt("10.0.0.1");
            if (attempt instanceof LoginLimiter.Blocked) {
                continue; // refused without looking at the credentials
            }
            checked++;
            if (attempt instanceof LoginLimiter.BlockStarted) {
                blocks++;
            }
        }
        assertThat(checked).isEqualTo(5);
        assertThat(blocks).as("one log line").isEqualTo(1);
        assertThat(limiter.blocked("10.0.0.1")).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(limiter.blocked("10.0.0.2")).as("another address").isZero();
    }

    /**
     * Guesses made at once from many threads, each looking at its credentials between its attempt and the next: the
     * failures that start the block are counted before the credentials are looked at, so no more than five get past
     * it (checking the block and recording the failure apart let more through while the fifth was being checked).
     */
    @Test
    void guessesMadeAtOnceStillGetOnlyFiveLooks() throws Exception {
        int threads = 32;
        AtomicInteger looked = new AtomicInteger();
        AtomicInteger blocks = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 50; i++) {
                        LoginLimiter.Outcome attempt = limiter.attempt("10.0.0.1");
                        if (!(attempt instanceof LoginLimiter.Blocked)) {
                            looked.incrementAndGet();
                            Thread.sleep(1); // the credentials being checked
                            if (attempt instanceof LoginLimiter.BlockStarted) {
                                blocks.incrementAndGet();
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        start.countDown();
        for (Thread t : all) {
            t.join();
        }
        assertThat(looked.get()).isEqualTo(LoginLimiter.MAX_FAILURES);
        assertThat(blocks.get()).isEqualTo(1);
    }

    @Test
    void aRightLoginForgivesTheFailureItWasCountedAs() {
        guess("10.0.0.1", 4, Duration.ofSeconds(1));
        assertThat(limiter.attempt("10.0.0.1")).isInstanceOf(LoginLimiter.BlockStarted.class); // the fifth
        limiter.succeeded("10.0.0.1"); // it was the right password
        assertThat(limiter.blocked("10.0.0.1")).isZero();
        assertThat(guess("10.0.0.1", 4, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void eachBlockIsTwiceAsLongUpToAnHourAndAQuietHourForgives() {
        List<Duration> blocks = guess("10.0.0.1", 20_000, Duration.ofSeconds(1));
        assertThat(blocks)
                .startsWith(
                        Duration.ofMinutes(1),
                        Duration.ofMinutes(2),
                        Duration.ofMinutes(4),
                        Duration.ofMinutes(8),
                        Duration.ofMinutes(16),
                        Duration.ofMinutes(32),
                        Duration.ofHours(1),
                        Duration.ofHours(1));
        assertThat(blocks).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofHours(1)));
        now.addAndGet(Duration.ofHours(2).toNanos());
        assertThat(guess("10.0.0.1", 5, Duration.ofSeconds(1))).containsExactly(Duration.ofMinutes(1));
    }

    @Test
    void failuresSpreadOverMoreThanAMinuteDoNotBlockAndASuccessForgets() {
        assertThat(guess("10.0.0.1", 100, Duration.ofSeconds(16))).isEmpty();
        guess("10.0.0.2", 4, Duration.ofSeconds(1));
        limiter.succeeded("10.0.0.2");
        assertThat(guess("10.0.0.2", 4, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void rememberedAddressesAreBounded() {
        for (int i = 0; i < LoginLimiter.MAX_ADDRESSES + 5000; i++) {
            limiter.attempt("a" + i);
        }
        assertThat(limiter.size()).isEqualTo(LoginLimiter.MAX_ADDRESSES);
    }
}
