package io.courier.client;

/**
 * One message of a durable channel, as the hub delivered it: the published event and arguments, and the message's
 * {@code channel}, {@code id} (unique, never reused) and {@code seq} (dense per channel: 1, 2, 3, ...).
 */
public final class Delivery {
    private final String channel;
    private final String id;
    private final long seq;
    private final String event;
    private final Args args;

    Delivery(String channel, String id, long seq, String event, Args args) {
        this.channel = channel;
        this.id = id;
        this.seq = seq;
        this.event = event;
        this.args = args;
    }

    public String channel() {
        return channel;
    }

    /** The message id; the client drops a second delivery of the same id. */
    public String id() {
        return id;
    }

    /** The message's position in its channel (0 on a channel that is not durable). */
    public long seq() {
        return seq;
    }

    /** The event name it was published with. */
    public String event() {
        return event;
    }

    /** The published arguments (without the hub's {@code {channel, id, seq}}). */
    public Args args() {
        return args;
    }

    @Override
    public String toString() {
        return "Delivery{" + channel + " #" + seq + " id=" + id + " " + event + args + "}";
    }
}
