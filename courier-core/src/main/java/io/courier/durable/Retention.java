package io.courier.durable;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a channel keeps a message that some subscriber has not acknowledged yet. A message goes as soon as every
 * subscriber of its channel acknowledged it (or when the channel has no subscriber), and at the latest when it is
 * older than {@code maxAge} or when the channel holds more than {@code maxBytes} of payload (oldest first). A
 * subscriber whose unacknowledged messages went because of these limits is told so (continuity lost), never left
 * with a silent gap.
 *
 * @param maxAge age limit of a message
 * @param maxBytes payload bytes limit of a channel
 */
public record Retention(Duration maxAge, long maxBytes) {
    /** Seven days or 1 GiB per channel. */
    public static final Retention DEFAULT = new Retention(Duration.ofDays(7), 1L << 30);

    public Retention {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge : " + maxAge + " (expected: > 0)");
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes : " + maxBytes + " (expected: > 0)");
        }
    }
}
