package io.courier.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.CourierConfig;
import io.courier.EventArgs;
import io.courier.IdempotencyKey;
import io.netty.util.Timer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-side deduplication of client retries ({@code CourierConfig.deduplication}). Each socket gets a {@link
 * DedupWindow} on its first keyed event; {@link #admit} runs on the socket's lane before the handlers.
 *
 * <p>Keys: the event's ack id, scoped to the socket object that received it (an ack id names a packet only within one
 * connection), and the application key found by the {@link IdempotencyKey}, scoped to the event name. Keys longer
 * than {@link #MAX_PLAIN_KEY} characters are kept as their SHA-256 digest.
 *
 * <p>Connection state recovery: a socket that closes for a recoverable reason parks its window under its pid for
 * {@code maxDisconnectionDuration}; the socket that recovers the session takes it over, so an application key seen
 * before the disconnection is still a duplicate after it, and a duplicate of a reply still pending on the old socket
 * gets that reply. Ack-id keys do not carry over (see above). Parked windows live in memory only.
 */
final class Deduplicator {
    private static final Logger log = LoggerFactory.getLogger(Deduplicator.class);

    static final int MAX_PLAIN_KEY = 128;

    private final long windowNanos;
    private final int maxKeys;
    private final IdempotencyKey idempotencyKey;
    private final long parkNanos;
    private final Timer timer;
    private final Map<String, Parking> parked = new ConcurrentHashMap<>();

    Deduplicator(CourierConfig.Deduplication config, Duration maxDisconnectionDuration, Timer timer) {
        this.windowNanos = config.window().toNanos();
        this.maxKeys = config.maxKeys();
        this.idempotencyKey = config.idempotencyKey();
        this.parkNanos = maxDisconnectionDuration.toNanos();
        this.timer = timer;
    }

    DedupWindow newWindow() {
        return new DedupWindow(windowNanos, maxKeys, System::nanoTime, this::schedule);
    }

    /**
     * On {@code socket}'s lane, before its handlers: null if the event has neither ack id nor application key (run the
     * handlers as usual); {@link DedupWindow#DUPLICATE} if it repeats a recent event (do not run them: it is answered
     * with the first reply, under its own ack id, when that reply is known); else the entry to report the reply to.
     */
    DedupWindow.Entry admit(DefaultSocket socket, String event, EventArgs args, long ackId) {
        String key = applicationKey(socket, event, args);
        if (key == null && ackId < 0) {
            return null;
        }
        Consumer<ArrayNode> duplicateReply = ackId < 0 ? null : data -> socket.sendAck(ackId, data);
        DedupWindow.Entry entry = socket.dedupWindow()
                .claim(key, ackId < 0 ? null : new DedupWindow.AckKey(socket, ackId), duplicateReply);
        if (entry == DedupWindow.DUPLICATE && log.isDebugEnabled()) {
            log.debug(
                    "socket {}: event '{}' (ack id {}) is a retry; handlers not run again", socket.id(), event, ackId);
        }
        return entry;
    }

    /** Keeps a window for the socket that may recover session {@code pid}. */
    void park(String pid, DedupWindow window) {
        Parking parking = new Parking(window);
        parked.put(pid, parking);
        schedule(parkNanos, () -> parked.remove(pid, parking)); // not a later parking of the same window
    }

    /** The window a socket left behind under {@code pid}, or null. */
    DedupWindow unpark(String pid) {
        Parking parking = parked.remove(pid);
        return parking == null ? null : parking.window;
    }

    /** One parking of a window; compared by identity. */
    private static final class Parking {
        final DedupWindow window;

        Parking(DedupWindow window) {
            this.window = window;
        }
    }

    private String applicationKey(DefaultSocket socket, String event, EventArgs args) {
        String key;
        try {
            key = idempotencyKey.of(event, args);
        } catch (Exception e) {
            log.warn(
                    "socket {}: idempotency key of event '{}' failed; handled as an event without key",
                    socket.id(),
                    event,
                    e);
            return null;
        }
        if (key == null) {
            return null;
        }
        String scoped = event + '\u0000' + key;
        return scoped.length() <= MAX_PLAIN_KEY ? scoped : digest(scoped);
    }

    private static String digest(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "\u0001sha256:" + Base64.getEncoder().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private void schedule(long delayNanos, Runnable task) {
        try {
            timer.newTimeout(t -> task.run(), delayNanos, TimeUnit.NANOSECONDS);
        } catch (IllegalStateException stopped) {
            // the server is closing
        }
    }
}
