package io.courier;

import java.util.List;

/**
 * An acknowledgement did not arrive in time. For a broadcast, {@link #partialResponses()} holds the acks that did.
 */
public final class AckTimeoutException extends CourierException {
    private final transient List<EventArgs> partialResponses;

    public AckTimeoutException(List<EventArgs> partialResponses) {
        super("operation has timed out");
        this.partialResponses = List.copyOf(partialResponses);
    }

    public List<EventArgs> partialResponses() {
        return partialResponses;
    }
}
