package io.courier.journal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;
import org.slf4j.LoggerFactory;

/**
 * Jazzer fuzz targets for recovery at open ({@link LogRecovery}, {@link FrameScanner}) and for the readers that serve
 * what it recovered. Each input is laid out as segment (and sidecar index) files, the log is opened, read, closed,
 * reopened and appended to, and these invariants are checked:
 *
 * <ul>
 *   <li>open returns: the files are readable and writable, so nothing, not even an {@link IOException}, may stop it;
 *   <li>every record served is a frame intact in the files as written (checked with an independent CRC32C decoder),
 *       under the position it was asked for;
 *   <li>the positions {@code firstPosition..lastPosition} are dense: each one is served or reported unreadable by a
 *       {@link CorruptRecordException};
 *   <li>unless a sidecar that checks out lies (trusted by design): the intact frames at the start of a segment
 *       (consecutive positions from its first) are all served, and no served position is inside a reported
 *       {@link Corruption}; records of a valid tail segment are always served;
 *   <li>the tail segment ends at its last intact record after open (a torn tail is truncated);
 *   <li>recovery is idempotent: reopening serves the same records, and a record appended after recovery gets the next
 *       position and survives another reopen;
 *   <li>no file of the log stays open after close.
 * </ul>
 *
 * <p><b>Regression mode</b> (every {@code mvn test}, no {@code JAZZER_FUZZ}): each target runs on the empty input and
 * on every file under {@code src/test/resources/io/courier/journal/SegmentRecoveryFuzzTestInputs/<method>/}
 * ({@link RecoveryFuzzSeeds} regenerates the seed files; the {@code crash-*} files are inputs fuzzing failed on).
 *
 * <p><b>Fuzzing</b>, one target per run, here for one hour (the default is {@link FuzzTest#maxDuration()}, 5 minutes):
 *
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=1h mvn -B -pl courier-core test -Dspotless.check.skip=true \
 *     -Dtest='SegmentRecoveryFuzzTest#tailSegment'    # or #segmentWithSidecar
 * </pre>
 *
 * Inputs that reach new code are kept in {@code courier-core/.cifuzz-corpus/} (git-ignored, reused by the next run);
 * a failing input is saved as {@code crash-<sha1>} in the Inputs directory above: fix the bug and commit the input.
 */
class SegmentRecoveryFuzzTest {
    /** Small limits so that short inputs reach every branch: 1 KiB records, an index entry every 64 bytes. */
    static final JournalConfig CONFIG = JournalConfig.defaults()
            .withSegmentBytes(64 << 10)
            .withMaxRecordBytes(1024)
            .withIndexIntervalBytes(64)
            .withMaxBatchDelay(Duration.ZERO);

    private static final byte[] APPENDED = {'a', 'f', 't', 'e', 'r'};

    @TempDir(factory = InSharedMemory.class)
    static Path work;

    private static Level journalLogLevel;

    @BeforeAll
    static void quietWhileFuzzing() {
        // recovery logs a line per damaged input: at thousands of inputs a second that is most of the time spent
        String fuzz = System.getenv("JAZZER_FUZZ");
        if (fuzz != null && !fuzz.isEmpty()) {
            ch.qos.logback.classic.Logger logger =
                    (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.courier.journal");
            journalLogLevel = logger.getLevel();
            logger.setLevel(Level.OFF);
        }
    }

    @AfterAll
    static void restoreLogging() {
        if (journalLogLevel != null) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.courier.journal")).setLevel(journalLogLevel);
        }
    }

    /** The input is the whole file {@code 00000000000000000001.seg}, the only (so the tail) segment; no sidecar. */
    @FuzzTest
    void tailSegment(byte[] segmentFile) throws IOException {
        Path dir = freshDirectory();
        Path path = dir.resolve(SegmentHeader.fileName(1));
        Files.write(path, segmentFile);
        verify(dir, new FileModel(path, 1, segmentFile), null, true);
    }

    /**
     * The input is a {@link Scenario}: a segment with or without a sidecar index, either the tail or sealed with a
     * valid tail segment after it.
     */
    @FuzzTest
    void segmentWithSidecar(byte[] input) throws IOException {
        Scenario scenario = Scenario.decode(input);
        Path dir = freshDirectory();
        Path path = dir.resolve(SegmentHeader.fileName(scenario.firstPosition()));
        byte[] segment = scenario.segment();
        Files.write(path, segment);
        if (scenario.sidecar() != null) {
            Files.write(Segment.indexPath(path), scenario.sidecar());
        }
        TailModel tail = null;
        if (scenario.sealed()) {
            tail = TailModel.write(dir, scenario.nextFirstPosition(), scenario.tailRecordCount());
        }
        FileModel model = new FileModel(path, scenario.firstPosition(), segment);
        verify(dir, model, tail, sidecarIsHonest(model, scenario.sealed()));
    }

    // ---- the checks ----

    private static void verify(Path dir, FileModel fuzzed, TailModel tail, boolean honestSidecar) throws IOException {
        Snapshot first;
        try (SegmentLog log = SegmentLog.open(dir, CONFIG)) {
            checkStructure(log);
            first = readAll(log, fuzzed.bytes.length + (tail == null ? 0 : tail.payloads.size()));
            for (Map.Entry<Long, ByteBuffer> served : first.served.entrySet()) {
                long position = served.getKey();
                if (tail != null && position >= tail.firstPosition) {
                    assertThat(served.getValue())
                            .as("record %d of the tail segment", position)
                            .isEqualTo(ByteBuffer.wrap(tail.payloads.get(position)));
                } else {
                    assertThat(fuzzed.isIntact(position, served.getValue()))
                            .as("record %d served by the log is an intact frame of %s", position, fuzzed.path)
                            .isTrue();
                }
            }
            if (tail != null) {
                for (Map.Entry<Long, byte[]> record : tail.payloads.entrySet()) {
                    assertThat(first.served.get(record.getKey()))
                            .as("record %d of the valid tail segment", record.getKey())
                            .isEqualTo(ByteBuffer.wrap(record.getValue()));
                }
            }
            if (honestSidecar) {
                checkIntactStart(log, first, fuzzed, tail);
            }
        }
        assertNoOpenFiles(dir);

        try (SegmentLog log = SegmentLog.open(dir, CONFIG)) {
            Snapshot again = readAll(log, fuzzed.bytes.length + (tail == null ? 0 : tail.payloads.size()));
            assertThat(again).as("what a reopened log serves").isEqualTo(first);
            assertThat(JournalTestSupport.await(log.append(APPENDED))).isEqualTo(first.last + 1);
        }
        assertNoOpenFiles(dir);

        try (SegmentLog log = SegmentLog.open(dir, CONFIG)) {
            Snapshot afterAppend = readAll(log, fuzzed.bytes.length + APPENDED.length + 64);
            TreeMap<Long, ByteBuffer> expected = new TreeMap<>(first.served);
            expected.put(first.last + 1, ByteBuffer.wrap(APPENDED));
            assertThat(afterAppend.last).isEqualTo(first.last + 1);
            assertThat(afterAppend.served)
                    .as("records after an append and a reopen")
                    .isEqualTo(expected);
            assertThat(afterAppend.unreadable).isEqualTo(first.unreadable);
        }
        assertNoOpenFiles(dir);
    }

    /** Segments in order, the tail ending at its last committed record, the log's last position the tail's. */
    private static void checkStructure(SegmentLog log) throws IOException {
        List<Segment> segments = log.segments();
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            assertThat(segment.lastPosition).isGreaterThanOrEqualTo(segment.firstPosition - 1);
            assertThat(segment.committedEnd).isLessThanOrEqualTo(segment.channel.size());
            if (i > 0) {
                assertThat(segment.firstPosition).isGreaterThan(segments.get(i - 1).lastPosition);
            }
        }
        Segment tail = segments.get(segments.size() - 1);
        assertThat(tail.channel.size())
                .as("size of the tail segment %s after recovery", tail.name())
                .isEqualTo(tail.committedEnd);
        assertThat(log.lastPosition()).isEqualTo(tail.lastPosition);
    }

    /**
     * Frames intact from a segment's start (consecutive positions from its first) are all served, and a segment that
     * is intact to its end has no damage reported.
     */
    private static void checkIntactStart(SegmentLog log, Snapshot snapshot, FileModel fuzzed, TailModel tail) {
        long limit = tail == null ? Long.MAX_VALUE : tail.firstPosition;
        for (Frame frame : fuzzed.intactStart) {
            if (frame.position >= limit) {
                break;
            }
            assertThat(snapshot.served.get(frame.position))
                    .as(
                            "record %d, intact at offset %d from the start of %s",
                            frame.position, frame.offset, fuzzed.path)
                    .isEqualTo(ByteBuffer.wrap(frame.payload));
        }
        for (Corruption corruption : log.corruptions()) {
            for (long p = corruption.firstPosition(); p <= corruption.lastPosition(); p++) {
                assertThat(snapshot.served).as("served despite %s", corruption).doesNotContainKey(p);
            }
        }
        if (fuzzed.intactToTheEnd()) {
            assertThat(log.corruptions())
                    .as("damage reported in a segment intact to its end")
                    .allSatisfy(c -> assertThat(c.fileOffset()).isEqualTo(-1));
        }
    }

    /** What a log serves, read front to back with one reader. */
    private record Snapshot(long first, long last, TreeMap<Long, ByteBuffer> served, TreeSet<Long> unreadable) {}

    private static Snapshot readAll(SegmentLog log, long sizeBound) {
        long first = log.firstPosition();
        long last = log.lastPosition();
        assertThat(last).isGreaterThanOrEqualTo(first - 1);
        // every record takes at least 16 bytes: more positions than that cannot be real
        assertThat(last - first).as("positions %d..%d", first, last).isLessThan(sizeBound + 512);
        LogReader reader = log.reader(first);
        TreeMap<Long, ByteBuffer> served = new TreeMap<>();
        TreeSet<Long> unreadable = new TreeSet<>();
        while (reader.nextPosition() <= last) {
            long position = reader.nextPosition();
            try {
                LogRecord record = reader.next();
                assertThat(record)
                        .as("record %d of %d..%d", position, first, last)
                        .isNotNull();
                assertThat(record.position()).isEqualTo(position);
                served.put(position, ByteBuffer.wrap(record.payload()));
            } catch (CorruptRecordException e) {
                assertThat(e.position()).isEqualTo(position);
                assertThat(e.resumePosition()).isGreaterThan(position).isLessThanOrEqualTo(last + 1);
                assertThat(reader.nextPosition()).isEqualTo(e.resumePosition());
                for (long p = position; p < e.resumePosition(); p++) {
                    unreadable.add(p);
                }
            }
        }
        assertThat(reader.nextPosition()).isEqualTo(last + 1);
        assertThat(reader.next()).isNull();
        return new Snapshot(first, last, served, unreadable);
    }

    /** No file descriptor of this process refers to a file in {@code dir} (Linux; elsewhere nothing is checked). */
    private static void assertNoOpenFiles(Path dir) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return;
        }
        List<Path> open = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(fds)) {
            for (Path fd : stream) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(dir)) {
                        open.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor, or one closed since the listing
                }
            }
        }
        assertThat(open).as("files of the log still open after close").isEmpty();
    }

    /**
     * Whether the sidecar is absent, ignored by recovery, or tells the truth about the records at the segment's
     * start: each entry of a position among them names that frame's offset, and a sealed segment's last position does
     * not hide any of them. A sidecar that checks out (its CRC can be made right by {@link Scenario}) and lies is
     * trusted by design, so the intact-start check does not apply to it.
     */
    private static boolean sidecarIsHonest(FileModel model, boolean sealed) throws IOException {
        SegmentIndex.Sidecar sidecar = SegmentIndex.readSidecar(
                Segment.indexPath(model.path), model.firstPosition, CONFIG.indexIntervalBytes());
        if (sidecar == null) {
            return true;
        }
        long size = model.bytes.length;
        if (sealed
                ? sidecar.dataEnd() != size
                : sidecar.dataEnd() > size || sidecar.index().last() == null) {
            return true; // not used
        }
        Map<Long, Frame> start = new HashMap<>();
        for (Frame frame : model.intactStart) {
            start.put(frame.position, frame);
        }
        for (SegmentIndex.Entry entry = sidecar.index().after(-1);
                entry != null;
                entry = sidecar.index().after(entry.offset())) {
            Frame frame = start.get(entry.position());
            if (frame != null
                    ? frame.offset != entry.offset()
                    : !model.hasIntactFrame(entry.position(), entry.offset())) {
                return false;
            }
        }
        return !sealed || sidecar.lastPosition() >= model.lastOfIntactStart();
    }

    // ---- an independent model of the files ----

    private record Frame(int offset, long position, byte[] payload) {
        int end() {
            return offset + RecordCodec.HEADER_BYTES + payload.length;
        }
    }

    /**
     * The frame at {@code offset} if it is intact: a length of at most {@code maxRecordBytes} that fits in the file
     * and a CRC32C over length, position and payload that matches. Decoded here, not with {@link RecordCodec}.
     */
    static Frame intactFrameAt(byte[] file, int offset) {
        if (offset < SegmentHeader.BYTES || offset > file.length - RecordCodec.HEADER_BYTES) {
            return null;
        }
        ByteBuffer bytes = ByteBuffer.wrap(file);
        int length = bytes.getInt(offset);
        if (length < 0
                || length > CONFIG.maxRecordBytes()
                || length > file.length - offset - RecordCodec.HEADER_BYTES) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(file, offset, 4);
        crc.update(file, offset + 8, 8 + length);
        if ((int) crc.getValue() != bytes.getInt(offset + 4)) {
            return null;
        }
        int payloadStart = offset + RecordCodec.HEADER_BYTES;
        return new Frame(
                offset, bytes.getLong(offset + 8), Arrays.copyOfRange(file, payloadStart, payloadStart + length));
    }

    /** One segment file as written, with every intact frame in it and the intact frames from its start. */
    private static final class FileModel {
        final Path path;
        final long firstPosition;
        final byte[] bytes;
        final Map<Long, List<ByteBuffer>> intact = new HashMap<>();
        final List<Frame> intactStart = new ArrayList<>();
        private final Map<Long, List<Integer>> intactOffsets = new HashMap<>();

        FileModel(Path path, long firstPosition, byte[] bytes) {
            this.path = path;
            this.firstPosition = firstPosition;
            this.bytes = bytes.clone();
            for (int offset = SegmentHeader.BYTES; offset <= bytes.length - RecordCodec.HEADER_BYTES; offset++) {
                Frame frame = intactFrameAt(this.bytes, offset);
                if (frame != null) {
                    intact.computeIfAbsent(frame.position, p -> new ArrayList<>())
                            .add(ByteBuffer.wrap(frame.payload));
                    intactOffsets
                            .computeIfAbsent(frame.position, p -> new ArrayList<>())
                            .add(offset);
                }
            }
            int offset = SegmentHeader.BYTES;
            long expected = firstPosition;
            for (Frame frame; (frame = intactFrameAt(this.bytes, offset)) != null && frame.position == expected; ) {
                intactStart.add(frame);
                offset = frame.end();
                expected++;
            }
        }

        boolean isIntact(long position, ByteBuffer payload) {
            return intact.getOrDefault(position, List.of()).contains(payload);
        }

        boolean hasIntactFrame(long position, long offset) {
            return intactOffsets.getOrDefault(position, List.of()).contains((int) offset);
        }

        long lastOfIntactStart() {
            return intactStart.isEmpty() ? firstPosition - 1 : intactStart.get(intactStart.size() - 1).position;
        }

        boolean intactToTheEnd() {
            int end = intactStart.isEmpty()
                    ? SegmentHeader.BYTES
                    : intactStart.get(intactStart.size() - 1).end();
            return bytes.length >= SegmentHeader.BYTES && end == bytes.length;
        }
    }

    /** A valid tail segment written after the fuzzed one, with a few small records. */
    private record TailModel(long firstPosition, TreeMap<Long, byte[]> payloads) {
        static TailModel write(Path dir, long firstPosition, int records) throws IOException {
            TreeMap<Long, byte[]> payloads = new TreeMap<>();
            for (int i = 0; i < records; i++) {
                payloads.put(firstPosition + i, Payloads.forPosition(firstPosition + i, 40));
            }
            Files.write(
                    dir.resolve(SegmentHeader.fileName(firstPosition)),
                    JournalTestSupport.encodeSegment(firstPosition, payloads.entrySet()));
            return new TailModel(firstPosition, payloads);
        }
    }

    // ---- the input format of segmentWithSidecar ----

    /**
     * {@code flags:u8 | first:u8 | nextDelta:u8 | tailRecords:u8 | sidecarLength:u16 | sidecar | segment}; missing
     * bytes read as zero.
     *
     * <ul>
     *   <li>flags 1: the segment is sealed: a valid tail segment with {@code tailRecords & 7} records follows it,
     *       starting at {@code firstPosition + 1 + nextDelta} (a gap or an overlap when that is not right after the
     *       segment's last record); flags 2: write the sidecar; 4: before that, set the sidecar's CRC to match its
     *       content; 8: set the CRC of each frame, following the lengths from the header on; 16: first positions
     *       from 2^40.
     *   <li>The segment's first position is {@code 1 + first} (plus 2^40 with flag 16).
     * </ul>
     *
     * The CRC fixes let the fuzzer explore sidecar entries and frame positions that check out, which random bytes
     * would almost never do.
     */
    record Scenario(int flags, int first, int nextDelta, int tailRecords, byte[] sidecarBytes, byte[] segmentBytes) {
        static final int SEALED = 1;
        static final int SIDECAR = 2;
        static final int FIX_SIDECAR_CRC = 4;
        static final int FIX_FRAME_CRCS = 8;
        static final int HIGH_POSITIONS = 16;
        private static final int FIXED_BYTES = 6;

        static Scenario decode(byte[] input) {
            byte[] fixed = Arrays.copyOf(input, FIXED_BYTES);
            ByteBuffer b = ByteBuffer.wrap(fixed);
            int sidecarLength = Math.min(b.getShort(4) & 0xFFFF, Math.max(0, input.length - FIXED_BYTES));
            int segmentStart = Math.min(input.length, FIXED_BYTES + sidecarLength);
            return new Scenario(
                    fixed[0] & 0xFF,
                    fixed[1] & 0xFF,
                    fixed[2] & 0xFF,
                    fixed[3] & 0xFF,
                    Arrays.copyOfRange(input, Math.min(input.length, FIXED_BYTES), segmentStart),
                    Arrays.copyOfRange(input, segmentStart, input.length));
        }

        byte[] encode() {
            ByteBuffer buffer = ByteBuffer.allocate(FIXED_BYTES + sidecarBytes.length + segmentBytes.length);
            buffer.put((byte) flags).put((byte) first).put((byte) nextDelta).put((byte) tailRecords);
            buffer.putShort((short) sidecarBytes.length).put(sidecarBytes).put(segmentBytes);
            return buffer.array();
        }

        boolean sealed() {
            return (flags & SEALED) != 0;
        }

        long firstPosition() {
            return ((flags & HIGH_POSITIONS) != 0 ? 1L << 40 : 0) + 1 + first;
        }

        long nextFirstPosition() {
            return firstPosition() + 1 + nextDelta;
        }

        int tailRecordCount() {
            return tailRecords & 7;
        }

        /** The sidecar file's bytes, or null for none. */
        byte[] sidecar() {
            if ((flags & SIDECAR) == 0) {
                return null;
            }
            byte[] bytes = sidecarBytes.clone();
            if ((flags & FIX_SIDECAR_CRC) != 0 && bytes.length >= 4) {
                CRC32C crc = new CRC32C();
                crc.update(bytes, 0, bytes.length - 4);
                ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
            }
            return bytes;
        }

        /** The segment file's bytes. */
        byte[] segment() {
            byte[] bytes = segmentBytes.clone();
            if ((flags & FIX_FRAME_CRCS) != 0) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                int offset = SegmentHeader.BYTES;
                while (offset <= bytes.length - RecordCodec.HEADER_BYTES) {
                    int length = b.getInt(offset);
                    if (length < 0
                            || length > CONFIG.maxRecordBytes()
                            || length > bytes.length - offset - RecordCodec.HEADER_BYTES) {
                        break;
                    }
                    CRC32C crc = new CRC32C();
                    crc.update(bytes, offset, 4);
                    crc.update(bytes, offset + 8, 8 + length);
                    b.putInt(offset + 4, (int) crc.getValue());
                    offset += RecordCodec.HEADER_BYTES + length;
                }
            }
            return bytes;
        }
    }

    // ---- the working directory ----

    /** The (reused) log directory, emptied. */
    private static Path freshDirectory() throws IOException {
        Path dir = work.resolve("log");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    Files.delete(file);
                }
            }
        } else {
            Files.createDirectories(dir);
        }
        return dir;
    }

    /** Puts the working directory in /dev/shm where there is one: fsync is free there, so fuzzing is fast. */
    static final class InSharedMemory implements TempDirFactory {
        @Override
        public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension)
                throws IOException {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "courier-fuzz-")
                    : Files.createTempDirectory("courier-fuzz-");
        }
    }
}
