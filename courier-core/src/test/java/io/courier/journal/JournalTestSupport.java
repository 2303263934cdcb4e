package io.courier.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Shared helpers of the journal tests. */
final class JournalTestSupport {
    /** Tiny segments so that a few hundred records span several of them. */
    static final JournalConfig SMALL = JournalConfig.defaults()
            .withSegmentBytes(4096)
            .withMaxRecordBytes(1024)
            .withIndexIntervalBytes(256)
            .withMaxBatchDelay(Duration.ZERO);

    private JournalTestSupport() {}

    /** Hang guard: the future's value, or a failure after 30 s. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("future did not complete normally", e);
        }
    }

    /** Appends {@code Payloads.forPosition(p, maxLength)} for the positions after the current last one. */
    static void appendDeterministic(SegmentLog log, int count, int maxLength) {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        long next = log.lastPosition() + 1;
        for (int i = 0; i < count; i++) {
            futures.add(log.append(Payloads.forPosition(next + i, maxLength)));
        }
        for (int i = 0; i < count; i++) {
            assertThat(await(futures.get(i))).isEqualTo(next + i);
        }
    }

    /**
     * Reads {@code [from, to]} and checks it is dense with the deterministic payloads; if {@code to} is the last
     * position, also that nothing follows.
     */
    static void assertDeterministic(SegmentLog log, long from, long to, int maxLength) {
        LogReader reader = log.reader(from);
        for (long p = from; p <= to; p++) {
            LogRecord record = reader.next();
            assertThat(record).as("record %d", p).isNotNull();
            assertThat(record.position()).isEqualTo(p);
            assertThat(record.payload()).as("payload of %d", p).isEqualTo(Payloads.forPosition(p, maxLength));
        }
        if (to >= log.lastPosition()) {
            assertThat(reader.next()).as("nothing after %d", to).isNull();
        }
    }

    /** The segment files of a directory, in position order. */
    static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    /** The start offsets of the frames of a segment file (stops at the first impossible length). */
    static List<Long> frameOffsets(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Long> offsets = new ArrayList<>();
        int at = SegmentHeader.BYTES;
        while (at + RecordCodec.HEADER_BYTES <= bytes.limit()) {
            int length = bytes.getInt(at);
            if (length < 0 || at + RecordCodec.HEADER_BYTES + length > bytes.limit()) {
                break;
            }
            offsets.add((long) at);
            at += RecordCodec.HEADER_BYTES + length;
        }
        return offsets;
    }

    /** The position stored in the frame at {@code offset}. */
    static long framePosition(Path segment, long offset) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(segment)).getLong((int) offset + 8);
    }

    /**
     * A segment file's bytes: the header for {@code firstPosition}, then one frame per (position, payload), in order;
     * positions may be anything (out of order, repeated).
     */
    static byte[] encodeSegment(long firstPosition, Collection<Map.Entry<Long, byte[]>> frames) {
        int size = SegmentHeader.BYTES;
        for (Map.Entry<Long, byte[]> frame : frames) {
            size += RecordCodec.HEADER_BYTES + frame.getValue().length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).put(SegmentHeader.encode(firstPosition));
        RecordCodec codec = new RecordCodec(Integer.MAX_VALUE);
        for (Map.Entry<Long, byte[]> frame : frames) {
            codec.encode(buffer, frame.getKey(), frame.getValue());
        }
        return buffer.array();
    }

    static void flipByte(Path file, long offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) offset] ^= 0x10;
        Files.write(file, bytes);
    }

    static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
