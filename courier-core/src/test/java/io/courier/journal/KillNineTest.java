package io.courier.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R1 style: a real child JVM appends and reports durable positions; it is killed with SIGKILL at a seeded moment and
 * every reported position must be readable with its payload after reopening (three cycles on one directory).
 */
class KillNineTest {
    @TempDir
    Path dir;

    @Test
    void everyPositionReportedDurableSurvivesKillDashNine() throws Exception {
        long[] seeds = {11, 23, 42};
        long expectedStart = 1;
        for (long seed : seeds) {
            int threshold = 2000 + new Random(seed).nextInt(3000);
            Result result = runChildUntil(threshold);
            assertThat(result.errors).isEmpty();
            assertThat(result.start).isEqualTo(expectedStart);
            try (SegmentLog log = SegmentLog.open(dir, KillNineChild.config())) {
                assertThat(log.corruptions()).isEmpty();
                long maxReported = result.positions.stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElseThrow();
                assertThat(result.positions.size()).isGreaterThanOrEqualTo(threshold);
                assertThat(log.lastPosition()).isGreaterThanOrEqualTo(maxReported);
                // every record up to the last position carries its deterministic payload; nothing beyond is served
                JournalTestSupport.assertDeterministic(log, 1, log.lastPosition(), KillNineChild.MAX_PAYLOAD);
                assertThat(log.read(log.lastPosition() + 1, 10)).isEmpty();
                expectedStart = log.lastPosition() + 1;
            }
        }
    }

    private record Result(long start, List<Long> positions, List<String> errors) {}

    private Result runChildUntil(int threshold) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        KillNineChild.class.getName(),
                        dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<Long> positions = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        long[] start = {-1};
        CountDownLatch enough = new CountDownLatch(threshold);
        AtomicBoolean killed = new AtomicBoolean();
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("START ")) {
                        start[0] = Long.parseLong(line.substring(6));
                    } else if (line.startsWith("ERROR")) {
                        errors.add(line);
                    } else if (line.matches("[0-9]+")) {
                        positions.add(Long.parseLong(line));
                        enough.countDown();
                    }
                    // anything else is a log line, or a line cut by the kill (not fully reported)
                }
            } catch (java.io.IOException e) {
                // destroyForcibly() closes the pipe: what was read before is what the child reported
                if (!killed.get()) {
                    errors.add(e.toString());
                }
            }
        });
        try {
            assertThat(enough.await(60, TimeUnit.SECONDS))
                    .as("child reported %d positions", positions.size())
                    .isTrue();
        } finally {
            killed.set(true);
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        reading.get(30, TimeUnit.SECONDS);
        return new Result(start[0], List.copyOf(positions), List.copyOf(errors));
    }
}
