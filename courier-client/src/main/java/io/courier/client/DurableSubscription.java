package io.courier.client;

import java.util.concurrent.CompletableFuture;

/**
 * A subscription to a durable channel of a Courier hub ({@link CourierClient#subscribe}). On the hub a subscription of
 * an identified client (auth {@code clientId}, or a token) belongs to the identity and outlives connections and
 * restarts; this object is the client's handler for it. The client sends {@code subscribe} again after each
 * reconnection (the hub treats a repeat as a no-op), so an anonymous client's subscription comes back too.
 */
public final class DurableSubscription {
    private final DurableClient owner;
    private final String channel;
    final CompletableFuture<Void> subscribed = new CompletableFuture<>();

    DurableSubscription(DurableClient owner, String channel) {
        this.owner = owner;
        this.channel = channel;
    }

    public String channel() {
        return channel;
    }

    /** Completes once the hub confirmed the subscription; fails with {@link DurableException} when it refused it. */
    public CompletableFuture<Void> subscribed() {
        return subscribed;
    }

    /** How many duplicate deliveries (an id already handled) were acknowledged and dropped. */
    public long duplicatesDropped() {
        return owner.duplicates(channel);
    }

    /** Ends the subscription on the hub (its unacknowledged messages are no longer delivered) and here. */
    public CompletableFuture<Void> unsubscribe() {
        return owner.unsubscribe(this);
    }
}
