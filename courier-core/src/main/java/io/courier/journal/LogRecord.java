package io.courier.journal;

/**
 * One record read back from the log.
 *
 * @param position its dense position (1 for the first record ever appended)
 * @param payload the bytes given to {@link SegmentLog#append(byte[])}; a fresh array owned by the caller
 */
public record LogRecord(long position, byte[] payload) {}
