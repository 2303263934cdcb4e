package io.courier.durable;

/**
 * Bounds on the durable state clients can make a {@link MessageStore} keep. Beyond a bound the store refuses the
 * subscription or the publish that would create more, with a {@link StoreLimitException} that names the bound;
 * everything already stored keeps working. State recovered at start is never refused.
 *
 * @param maxSubscriptionsPerClient subscriptions of one client identity, its direct channel included (default 1,000)
 * @param maxSubscriptions subscriptions of all identities together (default 1,000,000: about 150 MB of heap)
 * @param maxChannels channels, with or without messages (default 1,000,000: about 250 MB of heap); a channel is
 *     remembered after it empties, so that its seqs never start over, and every identity's direct channel is one
 */
public record StoreLimits(int maxSubscriptionsPerClient, int maxSubscriptions, int maxChannels) {
    public static final StoreLimits DEFAULT = new StoreLimits(1_000, 1_000_000, 1_000_000);

    public StoreLimits {
        positive("maxSubscriptionsPerClient", maxSubscriptionsPerClient);
        positive("maxSubscriptions", maxSubscriptions);
        positive("maxChannels", maxChannels);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: at least 1)");
        }
    }
}
