package io.courier.journal;

import static io.courier.journal.JournalTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R7 for real: the log on a 2 MiB tmpfs that fills up. Appends fail with {@link JournalWriteException} ("No space
 * left on device") and leave nothing behind, acknowledged records stay readable, appending works again once space is
 * freed, and the log reopens clean. Mounting needs root; elsewhere the test is skipped (aborted) with the reason.
 * Tagged so that it can be left out ({@code -DexcludedGroups=mounts-tmpfs}); it runs by default and takes about a
 * second.
 */
@Tag("mounts-tmpfs")
class DiskFullTest {
    private static final int SEGMENT_BYTES = 64 << 10;
    private static final JournalConfig CONFIG = JournalConfig.defaults()
            .withSegmentBytes(SEGMENT_BYTES)
            .withMaxRecordBytes(SEGMENT_BYTES - SegmentHeader.BYTES - RecordCodec.HEADER_BYTES)
            .withIndexIntervalBytes(1024)
            .withMaxBatchDelay(Duration.ZERO);
    /** More than a page: every such record needs at least one new page of the filesystem. */
    private static final int RECORD_BYTES = 4100;

    private static final String NO_SPACE = "No space left on device";

    @TempDir
    Path root;

    private Path mountPoint;
    private boolean mounted;
    private final Random random = new Random(7);

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        Path self = Path.of("/proc/self");
        if (!Files.isDirectory(self)) {
            Assumptions.abort("needs Linux (mounts a tmpfs); skipped");
        }
        if (((Number) Files.getAttribute(self, "unix:uid")).intValue() != 0) {
            Assumptions.abort("needs root to mount a size-limited tmpfs; skipped");
        }
        mountPoint = Files.createDirectories(root.resolve("tmpfs"));
        String failure = run("mount", "-t", "tmpfs", "-o", "size=2m", "courier-disk-full", mountPoint.toString());
        if (failure != null) {
            Assumptions.abort("cannot mount a 2 MiB tmpfs at " + mountPoint + " (" + failure + "); skipped");
        }
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (!mounted) {
            return;
        }
        String failure = run("umount", mountPoint.toString());
        if (failure != null) {
            run("umount", "-l", mountPoint.toString());
            throw new AssertionError("umount " + mountPoint + " failed, a file of the log is still open? " + failure);
        }
    }

    @Test
    void appendsFailWhileTheDiskIsFullAndNothingAcknowledgedIsLost() throws Exception {
        Path filler = mountPoint.resolve("filler");
        Files.write(filler, new byte[256 << 10]);
        Path dir = mountPoint.resolve("journal");
        TreeMap<Long, byte[]> acknowledged = new TreeMap<>();

        try (SegmentLog log = SegmentLog.open(dir, CONFIG)) {
            // a reader that has served part of the log before the disk fills up
            appendAcknowledged(log, acknowledged, 10);
            LogReader early = log.reader(1);
            assertThat(early.read(10)).hasSize(10);

            // 1. fill the disk with appends
            JournalWriteException full = null;
            while (full == null) {
                assertThat(acknowledged).as("2 MiB must fill up").hasSizeLessThan(1000);
                byte[] payload = payload(RECORD_BYTES);
                CompletableFuture<Long> future = log.append(payload);
                try {
                    long position = future.get(30, TimeUnit.SECONDS);
                    assertThat(position).isEqualTo(acknowledged.size() + 1);
                    acknowledged.put(position, payload);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(JournalWriteException.class);
                    full = (JournalWriteException) e.getCause();
                }
            }
            assertThat(full).hasMessageContaining(NO_SPACE);
            assertThat(acknowledged).hasSizeGreaterThan(100);
            assertCommittedOnly(log, dir, acknowledged);

            // while full, the next appends fail the same way and the log keeps serving what it acknowledged
            for (int i = 0; i < 3; i++) {
                assertFailsForLackOfSpace(log.append(payload(RECORD_BYTES)));
            }
            assertCommittedOnly(log, dir, acknowledged);
            for (long p = 11; p <= acknowledged.size(); p++) {
                LogRecord record = early.next();
                assertThat(record.position()).isEqualTo(p);
                assertThat(record.payload()).isEqualTo(acknowledged.get(p));
            }
            assertThat(early.next()).isNull();

            // 2. free space: appending goes on at the next position
            Files.delete(filler);
            appendAcknowledged(log, acknowledged, 5);
            assertCommittedOnly(log, dir, acknowledged);

            // 3. a rollover on a full disk: the new segment cannot get its header (a record of the largest size never
            // fits in a segment that holds a record, so it always starts a new segment)
            int segments = log.segmentCount();
            Path active = activeSegment(dir);
            Path filler2 = mountPoint.resolve("filler-2");
            fillUp(filler2);
            assertFailsForLackOfSpace(log.append(payload(CONFIG.maxRecordBytes())));
            assertFailsForLackOfSpace(log.append(payload(RECORD_BYTES)));
            assertThat(log.segmentCount()).isEqualTo(segments);
            assertThat(activeSegment(dir)).isEqualTo(active);
            assertCommittedOnly(log, dir, acknowledged);
            Files.delete(filler2);
            appendAcknowledged(log, acknowledged, 2);

            // 4. a rollover with room for the new segment's header only: the segment stays, empty, the record fails
            Path filler3 = mountPoint.resolve("filler-3");
            fillUp(filler3);
            long block = Files.getFileStore(mountPoint).getBlockSize();
            try (FileChannel channel = FileChannel.open(filler3, StandardOpenOption.WRITE)) {
                channel.truncate(channel.size() - block);
            }
            assertThat(Files.getFileStore(mountPoint).getUnallocatedSpace()).isEqualTo(block);
            segments = log.segmentCount();
            assertFailsForLackOfSpace(log.append(payload(CONFIG.maxRecordBytes())));
            assertFailsForLackOfSpace(log.append(payload(RECORD_BYTES)));
            assertThat(log.segmentCount()).isEqualTo(segments + 1);
            assertThat(Files.size(activeSegment(dir))).isEqualTo(SegmentHeader.BYTES);
            assertCommittedOnly(log, dir, acknowledged);
            assertThat(otherFiles(dir))
                    .as("files besides segments and sidecars")
                    .isEmpty();
            Files.delete(filler3);
            appendAcknowledged(log, acknowledged, 1, CONFIG.maxRecordBytes());
            appendAcknowledged(log, acknowledged, 3);
            assertCommittedOnly(log, dir, acknowledged);
        }

        // 5. reopen: clean, nothing to truncate, every acknowledged record there
        Map<Path, Long> sizes = segmentSizes(dir);
        try (SegmentLog log = SegmentLog.open(dir, CONFIG)) {
            assertThat(log.corruptions()).isEmpty();
            assertThat(segmentSizes(dir)).as("segment sizes after reopening").isEqualTo(sizes);
            assertServesExactly(log, acknowledged);
            assertThat(otherFiles(dir)).isEmpty();
            assertThat(await(log.append(new byte[] {1}))).isEqualTo(acknowledged.size() + 1);
        }
    }

    private void appendAcknowledged(SegmentLog log, TreeMap<Long, byte[]> acknowledged, int count) {
        appendAcknowledged(log, acknowledged, count, RECORD_BYTES);
    }

    private void appendAcknowledged(SegmentLog log, TreeMap<Long, byte[]> acknowledged, int count, int length) {
        for (int i = 0; i < count; i++) {
            byte[] payload = payload(length);
            assertThat(await(log.append(payload))).isEqualTo(acknowledged.size() + 1);
            acknowledged.put((long) acknowledged.size() + 1, payload);
        }
    }

    private static void assertFailsForLackOfSpace(CompletableFuture<Long> future) {
        ExecutionException e =
                Assertions.assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(JournalWriteException.class).hasMessageContaining(NO_SPACE);
    }

    /**
     * The log's last position is the last acknowledged one, it serves exactly the acknowledged records, and its
     * segment files hold nothing beyond the committed bytes (no half-written frame of a failed append).
     */
    private static void assertCommittedOnly(SegmentLog log, Path dir, TreeMap<Long, byte[]> acknowledged)
            throws IOException {
        assertThat(log.lastPosition()).isEqualTo(acknowledged.size());
        assertThat(segmentSizes(dir).values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .as("bytes in the segment files")
                .isEqualTo(log.sizeBytes());
        assertThat(segmentSizes(dir)).hasSize(log.segmentCount());
        assertServesExactly(log, acknowledged);
    }

    private static void assertServesExactly(SegmentLog log, TreeMap<Long, byte[]> acknowledged) {
        LogReader reader = log.reader(1);
        for (Map.Entry<Long, byte[]> expected : acknowledged.entrySet()) {
            LogRecord record = reader.next();
            assertThat(record).as("record %d", expected.getKey()).isNotNull();
            assertThat(record.position()).isEqualTo(expected.getKey());
            assertThat(record.payload()).as("payload of %d", expected.getKey()).isEqualTo(expected.getValue());
        }
        assertThat(reader.next()).isNull();
    }

    private static Map<Path, Long> segmentSizes(Path dir) throws IOException {
        Map<Path, Long> sizes = new HashMap<>();
        for (Path segment : JournalTestSupport.segmentFiles(dir)) {
            sizes.put(segment, Files.size(segment));
        }
        return sizes;
    }

    /** Files of the log directory that are neither segments nor sidecar indexes (a sidecar's temporary file). */
    private static List<Path> otherFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.toString().endsWith(SegmentHeader.SUFFIX)
                            && !f.toString().endsWith(SegmentIndex.SUFFIX))
                    .toList();
        }
    }

    private static Path activeSegment(Path dir) throws IOException {
        List<Path> segments = JournalTestSupport.segmentFiles(dir);
        return segments.get(segments.size() - 1);
    }

    /** Writes {@code file} until the filesystem has no page left. */
    private static void fillUp(Path file) throws IOException {
        byte[] page = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 1024; i++) {
                out.write(page);
                out.flush();
            }
        } catch (IOException e) {
            assertThat(e).hasMessageContaining(NO_SPACE);
            return;
        }
        throw new AssertionError("4 MiB fit on a 2 MiB tmpfs");
    }

    private byte[] payload(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Runs a command; null if it exited 0, else its exit code and output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out: " + String.join(" ", command);
        }
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
    }
}
