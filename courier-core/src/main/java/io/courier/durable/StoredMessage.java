package io.courier.durable;

/**
 * One message of a channel, as a {@link MessageStore} keeps it.
 *
 * @param id the store-wide id, new for every message and never reused by the same store (the journal position as
 *     text in the embedded store); clients use it to drop a duplicate delivery
 * @param channel the channel it was published to
 * @param seq its sequence number in the channel: 1, 2, 3, ... without holes (a failed publish uses up no seq) and never
 *     reused (a seq whose message was lost to damage is read back as a lost message, not handed out again)
 * @param timestamp when it was stored, in epoch milliseconds
 * @param payload the bytes given to {@link MessageStore#append}, or null for lost messages (their id is then null): a
 *     damaged or cut record that still named this channel and seq was found, or the channel's next intact message
 *     skipped seqs after damage (the messages since the one read before this are lost), or retention removed the
 *     messages up to this seq. A subscriber learns it as lost continuity; damaged bytes are
 *     never served.
 */
public record StoredMessage(String id, String channel, long seq, long timestamp, byte[] payload) {
    public boolean lost() {
        return payload == null;
    }
}
