package io.courier.client;

/**
 * The hub's {@code courier:continuity-lost}: messages {@code fromSeq} to {@code toSeq} (inclusive) of a channel are
 * gone (retention or disk damage) and will never be delivered; what follows is delivered as usual.
 */
public final class ContinuityLost {
    private final String channel;
    private final long fromSeq;
    private final long toSeq;

    ContinuityLost(String channel, long fromSeq, long toSeq) {
        this.channel = channel;
        this.fromSeq = fromSeq;
        this.toSeq = toSeq;
    }

    public String channel() {
        return channel;
    }

    public long fromSeq() {
        return fromSeq;
    }

    public long toSeq() {
        return toSeq;
    }

    @Override
    public String toString() {
        return "ContinuityLost{" + channel + " " + fromSeq + ".." + toSeq + "}";
    }
}
