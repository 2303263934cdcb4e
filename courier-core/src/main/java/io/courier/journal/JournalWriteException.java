package io.courier.journal;

/**
 * Completes an append's future when the batch holding the record could not be written or fsynced (for example "No
 * space left on device"), or when the append was refused unwritten because a write failed after it was made (see
 * {@link SegmentLog#append(byte[], long)}). The record was not assigned a durable position: the bytes of the failed batch were rolled
 * back, nothing of it is served by readers, and its positions are reused by later appends. The log stays open and
 * readable; later appends try again.
 */
public final class JournalWriteException extends JournalException {
    private static final long serialVersionUID = 1L;

    public JournalWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
