package io.courier.journal;

import io.courier.journal.SegmentRecoveryFuzzTest.Scenario;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Writes the seed corpus of {@link SegmentRecoveryFuzzTest}: small segment files (valid, torn, bit-flipped, bad
 * header, wrong positions) and, for {@code segmentWithSidecar}, the same with good, stale and damaged sidecars.
 * Deterministic; the files are committed, so this only needs to run when the seeds should change:
 *
 * <pre>
 * mvn -B -q -pl courier-core test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test -Dspotless.check.skip=true
 * java -cp courier-core/target/test-classes:courier-core/target/classes:$(cat courier-core/target/cp.txt) \
 *     io.courier.journal.RecoveryFuzzSeeds courier-core/src/test/resources/io/courier/journal/SegmentRecoveryFuzzTestInputs
 * </pre>
 *
 * Files found by fuzzing ({@code crash-*}) in the same directories are left alone.
 */
final class RecoveryFuzzSeeds {
    private static final JournalConfig CONFIG = SegmentRecoveryFuzzTest.CONFIG;

    private RecoveryFuzzSeeds() {}

    public static void main(String[] args) throws IOException {
        Path inputs = Path.of(args[0]);
        Path scratch = Files.createTempDirectory("courier-seeds-");
        try {
            write(inputs.resolve("tailSegment"), tailSeeds(scratch.resolve("tail")));
            write(inputs.resolve("segmentWithSidecar"), sidecarSeeds(scratch.resolve("sidecar")));
        } finally {
            deleteRecursively(scratch);
        }
    }

    private static Map<String, byte[]> tailSeeds(Path scratch) throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] three = writtenByTheLog(scratch.resolve("three"), 3).segment;
        byte[] many = writtenByTheLog(scratch.resolve("many"), 40).segment;
        List<Long> threeFrames = frameOffsets(three);
        List<Long> manyFrames = frameOffsets(many);
        seeds.put("valid-3-records.seg", three);
        seeds.put("valid-40-records.seg", many);
        seeds.put("header-only.seg", Arrays.copyOf(three, SegmentHeader.BYTES));
        seeds.put("cut-inside-header.seg", Arrays.copyOf(three, 7));
        seeds.put("torn-tail-inside-last-frame.seg", Arrays.copyOf(three, (int) (threeFrames.get(2) + 9)));
        seeds.put(
                "torn-tail-inside-last-payload.seg",
                Arrays.copyOf(many, (int) manyFrames.get(manyFrames.size() - 1).longValue() + 20));
        seeds.put("bad-header-magic.seg", flip(three, 0));
        seeds.put("bad-header-checksum.seg", flip(three, 17));
        seeds.put("bitflip-middle-payload.seg", flip(many, manyFrames.get(20) + RecordCodec.HEADER_BYTES));
        seeds.put("bitflip-middle-length.seg", flip(many, manyFrames.get(20) + 2));
        seeds.put("bitflip-middle-position.seg", flip(many, manyFrames.get(20) + 15));
        seeds.put("bitflip-last-crc.seg", flip(many, manyFrames.get(manyFrames.size() - 1) + 5));
        seeds.put("garbage-after-last-record.seg", concat(three, randomBytes(1, 120)));
        seeds.put("zeros-after-last-record.seg", concat(three, new byte[200]));
        seeds.put("position-gap.seg", segment(1, 1, 2, 5, 6));
        seeds.put("position-repeated.seg", segment(1, 1, 2, 2, 3));
        seeds.put("position-before-first.seg", segment(1, 0, 1, 2));
        seeds.put(
                "frame-copied-twice.seg", concat(three, Arrays.copyOfRange(three, SegmentHeader.BYTES, three.length)));
        return seeds;
    }

    private static Map<String, byte[]> sidecarSeeds(Path scratch) throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Written full = writtenByTheLog(scratch.resolve("full"), 40);
        Written stale = writtenByTheLog(scratch.resolve("stale"), 25);
        byte[] many = full.segment;
        byte[] sidecar = full.sidecar;
        List<Long> frames = frameOffsets(many);
        int flags = Scenario.SIDECAR;
        int sealed = Scenario.SEALED | Scenario.SIDECAR;
        // first record 1, last 40: a tail right after it starts at 41 = 1 + 1 + 39
        seeds.put("tail-with-clean-close-sidecar", scenario(flags, 0, 0, 0, sidecar, many));
        seeds.put("tail-without-sidecar", scenario(0, 0, 0, 0, new byte[0], many));
        seeds.put("tail-with-stale-sidecar", scenario(flags, 0, 0, 0, stale.sidecar, many));
        seeds.put("tail-with-bad-sidecar-crc", scenario(flags, 0, 0, 0, flip(sidecar, sidecar.length - 1), many));
        seeds.put("tail-with-truncated-sidecar", scenario(flags, 0, 0, 0, Arrays.copyOf(sidecar, 20), many));
        seeds.put(
                "tail-damaged-before-last-index-point",
                scenario(flags, 0, 0, 0, sidecar, flip(many, frames.get(10) + RecordCodec.HEADER_BYTES)));
        seeds.put("sealed-with-sidecar", scenario(sealed, 0, 39, 3, sidecar, many));
        seeds.put("sealed-without-sidecar", scenario(Scenario.SEALED, 0, 39, 3, new byte[0], many));
        seeds.put("sealed-with-stale-sidecar", scenario(sealed, 0, 39, 3, stale.sidecar, many));
        seeds.put("sealed-with-bad-sidecar-crc", scenario(sealed, 0, 39, 3, flip(sidecar, 40), many));
        seeds.put(
                "sealed-damaged-with-sidecar",
                scenario(sealed, 0, 39, 3, sidecar, flip(many, frames.get(20) + RecordCodec.HEADER_BYTES)));
        seeds.put(
                "sealed-damaged-without-sidecar",
                scenario(Scenario.SEALED, 0, 39, 3, new byte[0], flip(many, frames.get(20) + 5)));
        seeds.put("sealed-gap-before-tail", scenario(Scenario.SEALED, 0, 60, 2, new byte[0], many));
        seeds.put("sealed-overlapping-tail", scenario(sealed, 0, 20, 4, sidecar, many));
        seeds.put(
                "sealed-torn-end-without-sidecar",
                scenario(Scenario.SEALED, 0, 39, 1, new byte[0], Arrays.copyOf(many, many.length - 3)));
        // sidecars that check out but point into the middle of a frame, or claim too few records
        byte[] lyingFirst = sidecar.clone();
        ByteBuffer.wrap(lyingFirst).putInt(36 + 4, (int) (frames.get(0) + 3)); // the first entry's offset
        seeds.put(
                "tail-with-sidecar-lying-about-first-entry",
                scenario(flags | Scenario.FIX_SIDECAR_CRC, 0, 0, 0, lyingFirst, many));
        byte[] lyingLast = sidecar.clone();
        int entries = ByteBuffer.wrap(sidecar).getInt(32);
        ByteBuffer.wrap(lyingLast).putInt(36 + (entries - 1) * 8 + 4, (int) (frames.get(frames.size() - 1) - 5));
        seeds.put(
                "tail-with-sidecar-lying-about-last-entry",
                scenario(flags | Scenario.FIX_SIDECAR_CRC, 0, 0, 0, lyingLast, many));
        byte[] short_ = sidecar.clone();
        ByteBuffer.wrap(short_).putLong(16, 10); // lastPosition
        seeds.put("sealed-sidecar-hiding-records", scenario(sealed | Scenario.FIX_SIDECAR_CRC, 0, 39, 2, short_, many));
        // frames whose CRCs the harness recomputes: positions out of order, stale checksums
        byte[] shuffled = segment(1, 1, 2, 3, 7, 8, 4);
        ByteBuffer.wrap(shuffled).putInt(SegmentHeader.BYTES + 4, 0);
        seeds.put("frames-with-fixed-crcs", scenario(Scenario.FIX_FRAME_CRCS, 0, 0, 0, new byte[0], shuffled));
        long high = (1L << 40) + 1;
        seeds.put(
                "high-first-position",
                scenario(
                        Scenario.HIGH_POSITIONS | Scenario.SEALED,
                        0,
                        2,
                        2,
                        new byte[0],
                        segment(high, high, high + 1)));
        seeds.put("first-position-7", scenario(0, 6, 0, 0, new byte[0], segment(7, 7, 8, 9)));
        return seeds;
    }

    private record Written(byte[] segment, byte[] sidecar) {}

    /** Records 1..count with {@link Payloads} written by a real log and closed cleanly: segment and sidecar bytes. */
    private static Written writtenByTheLog(Path dir, int count) throws IOException {
        try (SegmentLog log = SegmentLog.open(dir, CONFIG)) {
            JournalTestSupport.appendDeterministic(log, count, 60);
        }
        Path segment = dir.resolve(SegmentHeader.fileName(1));
        return new Written(Files.readAllBytes(segment), Files.readAllBytes(Segment.indexPath(segment)));
    }

    /** A segment named after {@code first} holding frames with the given positions and {@link Payloads}. */
    private static byte[] segment(long first, long... positions) {
        List<Map.Entry<Long, byte[]>> frames = new ArrayList<>();
        for (long position : positions) {
            frames.add(Map.entry(position, Payloads.forPosition(position, 30)));
        }
        return JournalTestSupport.encodeSegment(first, frames);
    }

    private static byte[] scenario(int flags, int first, int nextDelta, int tailRecords, byte[] sidecar, byte[] seg) {
        return new Scenario(flags, first, nextDelta, tailRecords, sidecar, seg).encode();
    }

    private static List<Long> frameOffsets(byte[] segment) throws IOException {
        Path file = Files.createTempFile("courier-seed-", ".seg");
        try {
            Files.write(file, segment);
            return JournalTestSupport.frameOffsets(file);
        } finally {
            Files.delete(file);
        }
    }

    private static byte[] flip(byte[] bytes, long offset) {
        byte[] copy = bytes.clone();
        copy[(int) offset] ^= 0x10;
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> seed : new TreeMap<>(seeds).entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue());
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
