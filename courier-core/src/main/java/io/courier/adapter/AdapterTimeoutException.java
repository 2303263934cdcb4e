package io.courier.adapter;

import java.util.List;

/**
 * A cluster request whose peers did not all answer in time: {@link Adapter#fetchSockets},
 * {@link Adapter#serverSideEmitWithAck} or {@link Adapter#broadcastWithAck}. Carries the answers that did arrive.
 */
public class AdapterTimeoutException extends RuntimeException {
    private final transient List<?> partial;

    public AdapterTimeoutException(String message, List<?> partial) {
        super(message);
        this.partial = List.copyOf(partial);
    }

    /** The answers received before the timeout. */
    public List<?> partial() {
        return partial;
    }
}
