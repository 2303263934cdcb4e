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

    public CorruptRecordException(String segment, long position, long resumePosition, String reason) {
        super("corrupt record at position " + position + " in segment " + segment + " (" + reason
                + "); positions " + position + ".." + (resumePosition - 1) + " are unreadable, reading resumes at "
                + resumePosition);
        this.segment = segment;
        this.position = position;
        this.resumePosition = resumePosition;
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
