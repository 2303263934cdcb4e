package io.courier.journal;

import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown synchronously by {@link SegmentLog#append(byte[])} when {@link JournalConfig#maxPendingAppends()} appends are
 * already accepted but their futures have not completed yet. Nothing was queued; the caller may retry later or shed
 * load. It is a {@link RejectedExecutionException} so that generic back-pressure handling recognises it.
 */
public final class JournalFullException extends RejectedExecutionException {
    private static final long serialVersionUID = 1L;

    public JournalFullException(String message) {
        super(message);
    }
}
