package io.courier.journal;

/**
 * A read asked for a position below the first retained one: the records were deleted by
 * {@link SegmentLog#trimBefore(long)}. The caller should treat this as "continuity lost" and restart from
 * {@link #firstAvailablePosition()}.
 */
public final class PositionTrimmedException extends JournalException {
    private static final long serialVersionUID = 1L;

    private final long requestedPosition;
    private final long firstAvailablePosition;

    public PositionTrimmedException(long requestedPosition, long firstAvailablePosition) {
        super("position " + requestedPosition + " was trimmed; the first available position is "
                + firstAvailablePosition);
        this.requestedPosition = requestedPosition;
        this.firstAvailablePosition = firstAvailablePosition;
    }

    public long requestedPosition() {
        return requestedPosition;
    }

    public long firstAvailablePosition() {
        return firstAvailablePosition;
    }
}
