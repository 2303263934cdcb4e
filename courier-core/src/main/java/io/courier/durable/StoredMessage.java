package io.courier.durable;

/**
 * One message of a channel, as a {@link MessageStore} keeps it.
 *
 * @param id the store-wide id, new for every message and never reused by the same store (the journal position as
 *     text in the embedded store); clients use it to drop a duplicate delivery
 * @param channel the channel it was published to
 * @param seq its sequence number in the channel: increasing, not necessarily dense (a failed publish may leave a
 *     hole; a hole is never a lost message, since its publisher was told it failed)
 * @param timestamp when it was stored, in epoch milliseconds
 * @param payload the bytes given to {@link MessageStore#append}, or null for lost messages (their id is then null): a
 *     damaged record was found where this message, and possibly others since the message read before it, were stored,
 *     or retention removed the messages up to this seq. A subscriber learns it as lost continuity; damaged bytes are
 *     never served.
 */
public record StoredMessage(String id, String channel, long seq, long timestamp, byte[] payload) {
    public boolean lost() {
        return payload == null;
    }
}
