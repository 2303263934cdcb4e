package io.courier.journal;

/**
 * Bytes cut off the end of the tail segment at open: damage with no intact record after it, as a crash in the middle
 * of a write leaves, or as damage to the newest records does. The records that were there are gone; their positions
 * are handed out again by the next appends, so a user whose record identities come from positions must skip them
 * (see {@link #positions()}).
 *
 * @param segment the segment file name
 * @param afterPosition the last intact position before the cut
 * @param fileOffset where the cut bytes started in the segment
 * @param bytes how many bytes were cut
 * @param positions the most records the cut bytes can have held (each frame takes at least 16 bytes; frames whose
 *     header still names the expected position and a possible length count as one)
 * @param head the first cut bytes (at most {@value #HEAD_BYTES}), frame headers included, for a user that wants to
 *     tell what was lost; never served as records
 */
public record TornTail(String segment, long afterPosition, long fileOffset, long bytes, long positions, byte[] head) {
    /** How many of the cut bytes {@link #head()} keeps. */
    public static final int HEAD_BYTES = 64 << 10;
}
