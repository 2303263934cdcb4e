package io.courier.durable;

/**
 * A channel's state in a {@link MessageStore}.
 *
 * @param channel its name
 * @param messages messages kept (published and not yet acknowledged by every subscriber nor expired)
 * @param bytes payload bytes of those messages
 * @param firstSeq seq of the oldest kept message (0 when none is kept)
 * @param lastSeq seq of the newest stored message ever (0 when none)
 * @param oldestId id of the oldest kept message, or null
 * @param newestId id of the newest kept message, or null
 * @param subscribers durable subscriptions to the channel
 * @param expiredThrough highest seq removed by retention before every subscriber acknowledged it (0 when none)
 */
public record ChannelStats(
        String channel,
        long messages,
        long bytes,
        long firstSeq,
        long lastSeq,
        String oldestId,
        String newestId,
        int subscribers,
        long expiredThrough) {}
