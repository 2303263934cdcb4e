package io.courier.engine;

import io.courier.internal.StripedCounters;

/** Counters of one {@link EngineIoServer}, for metrics. Message payloads only, not framing or HTTP overhead. */
public final class EngineIoStats {
    private static final int MESSAGES_IN = 0;
    private static final int MESSAGES_OUT = 1;
    private static final int BYTES_IN = 2;
    private static final int BYTES_OUT = 3;
    private static final int DROPPED = 4;
    private static final int OPENED = 5;
    private static final int CLOSED = 6;
    private static final int DEFLATED_MESSAGES = 7;
    private static final int DEFLATED_RAW_BYTES = 8;
    private static final int DEFLATED_WIRE_BYTES = 9;
    private static final int INFLATED_MESSAGES = 10;
    private final StripedCounters counters = new StripedCounters(11);

    void opened() {
        counters.add(OPENED, 1);
    }

    void closed() {
        counters.add(CLOSED, 1);
    }

    /** Sessions opened since start. */
    public long sessionsOpened() {
        return counters.sum(OPENED);
    }

    /** Sessions closed since start. */
    public long sessionsClosed() {
        return counters.sum(CLOSED);
    }

    void received(int bytes) {
        counters.add(MESSAGES_IN, 1);
        counters.add(BYTES_IN, bytes);
    }

    void sent(int messages, long bytes) {
        counters.add(MESSAGES_OUT, messages);
        counters.add(BYTES_OUT, bytes);
    }

    void dropped(int messages) {
        counters.add(DROPPED, messages);
    }

    /** Messages received (text and binary, pings and pongs excluded). */
    public long messagesIn() {
        return counters.sum(MESSAGES_IN);
    }

    public long messagesOut() {
        return counters.sum(MESSAGES_OUT);
    }

    /** Bytes of received messages (text as UTF-16 length, an approximation of its UTF-8 size). */
    public long bytesIn() {
        return counters.sum(BYTES_IN);
    }

    public long bytesOut() {
        return counters.sum(BYTES_OUT);
    }

    /** Droppable (volatile) messages dropped because the transport could not take them. */
    public long dropped() {
        return counters.sum(DROPPED);
    }

    /** Records one message sent compressed (permessage-deflate): its size before and on the wire. */
    public void deflated(int rawBytes, int wireBytes) {
        counters.add(DEFLATED_MESSAGES, 1);
        counters.add(DEFLATED_RAW_BYTES, rawBytes);
        counters.add(DEFLATED_WIRE_BYTES, wireBytes);
    }

    /** Records one compressed message received and inflated. */
    public void inflated() {
        counters.add(INFLATED_MESSAGES, 1);
    }

    /** WebSocket messages sent compressed (permessage-deflate). */
    public long deflatedMessages() {
        return counters.sum(DEFLATED_MESSAGES);
    }

    /** Bytes of the messages sent compressed, before compression. */
    public long deflatedRawBytes() {
        return counters.sum(DEFLATED_RAW_BYTES);
    }

    /** Bytes of the messages sent compressed, as compressed on the wire (frame headers excluded). */
    public long deflatedWireBytes() {
        return counters.sum(DEFLATED_WIRE_BYTES);
    }

    /** Compressed WebSocket messages received and inflated. */
    public long inflatedMessages() {
        return counters.sum(INFLATED_MESSAGES);
    }
}
