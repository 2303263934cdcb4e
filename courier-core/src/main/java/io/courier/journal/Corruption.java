package io.courier.journal;

/**
 * Damage found in the log, at open (tail scan, scans of sealed segments without a valid sidecar index) or by a read.
 *
 * @param segment the segment file name
 * @param firstPosition the first unreadable position
 * @param lastPosition the last unreadable position (inclusive)
 * @param fileOffset the byte offset in the segment where the damage starts, or -1 for a range missing between segments
 * @param reason what was wrong, for the operator
 */
public record Corruption(String segment, long firstPosition, long lastPosition, long fileOffset, String reason) {}
