package io.courier.journal;

/**
 * A record that should exist could not be read back intact (checksum mismatch, impossible framing, or a range of
 * positions missing inside the log). Corrupt data is never returned. The damaged range is
 * {@code [position, resumePosition)}; the next readable position is {@link #resumePosition()}. The same damage is
 * listed by {@link SegmentLog#corruptions()}.
 */
public final class CorruptRecordException extends JournalException {
    private static final long serialVersionUID = 1L;

    private final String segment;
    private final long position;
    private final long resumePosition;
    private final transient byte[] damagedBytes;

    public CorruptRecordException(String segment, long position, long resumePosition, String reason) {
        this(segment, position, resumePosition, reason, new byte[0]);
    }

    /**
     * @param damagedBytes the first bytes of the damaged range as they are in the segment (the caller's copy), or an
     *     empty array when there are none (positions missing between segments)
     */
    public CorruptRecordException(
            String segment, long position, long resumePosition, String reason, byte[] damagedBytes) {
        super("corrupt record at position " + position + " in segment " + segment + " (" + reason
                + "); positions " + position + ".." + (resumePosition - 1) + " are unreadable, reading resumes at "
                + resumePosition);
        this.segment = segment;
        this.position = position;
        this.resumePosition = resumePosition;
        this.damagedBytes = damagedBytes;
    }

    /**
     * The first bytes (at most {@link TornTail#HEAD_BYTES}) of the damaged range, frame headers included, for a caller
     * that wants to tell what was lost (a damaged record often still names what it held). Never to be served as a
     * record: they failed their checksum. Empty when the range has no bytes (positions missing between segments).
     */
    public byte[] damagedBytes() {
        return damagedBytes == null ? new byte[0] : damagedBytes.clone();
    }

    /** The segment file name, e.g. {@code 00000000000000000001.seg}. */
    public String segment() {
        return segment;
    }

    /** The first unreadable position (the one that was asked for). */
    public long position() {
        return position;
    }

    /** The first position after the damaged range. */
    public long resumePosition() {
        return resumePosition;
    }
}
