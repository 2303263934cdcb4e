package io.courier.engine;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link EngineIoServer}, for metrics. Message payloads only, not framing or HTTP overhead. */
public final class EngineIoStats {
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder opened = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder deflatedMessages = new LongAdder();
    private final LongAdder deflatedRawBytes = new LongAdder();
    private final LongAdder deflatedWireBytes = new LongAdder();
    private final LongAdder inflatedMessages = new LongAdder();

    void opened() {
        opened.increment();
    }

    void closed() {
        closed.increment();
    }

    /** Sessions opened since start. */
    public long sessionsOpened() {
        return opened.sum();
    }

    /** Sessions closed since start. */
    public long sessionsClosed() {
        return closed.sum();
    }

    void received(int bytes) {
        messagesIn.increment();
        bytesIn.add(bytes);
    }

    void sent(int messages, long bytes) {
        messagesOut.add(messages);
        bytesOut.add(bytes);
    }

    void dropped(int messages) {
        dropped.add(messages);
    }

    /** Messages received (text and binary, pings and pongs excluded). */
    public long messagesIn() {
        return messagesIn.sum();
    }

    public long messagesOut() {
        return messagesOut.sum();
    }

    /** Bytes of received messages (text as UTF-16 length, an approximation of its UTF-8 size). */
    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Droppable (volatile) messages dropped because the transport could not take them. */
    public long dropped() {
        return dropped.sum();
    }

    /** Records one message sent compressed (permessage-deflate): its size before and on the wire. */
    public void deflated(int rawBytes, int wireBytes) {
        deflatedMessages.increment();
        deflatedRawBytes.add(rawBytes);
        deflatedWireBytes.add(wireBytes);
    }

    /** Records one compressed message received and inflated. */
    public void inflated() {
        inflatedMessages.increment();
    }

    /** WebSocket messages sent compressed (permessage-deflate). */
    public long deflatedMessages() {
        return deflatedMessages.sum();
    }

    /** Bytes of the messages sent compressed, before compression. */
    public long deflatedRawBytes() {
        return deflatedRawBytes.sum();
    }

    /** Bytes of the messages sent compressed, as compressed on the wire (frame headers excluded). */
    public long deflatedWireBytes() {
        return deflatedWireBytes.sum();
    }

    /** Compressed WebSocket messages received and inflated. */
    public long inflatedMessages() {
        return inflatedMessages.sum();
    }
}
