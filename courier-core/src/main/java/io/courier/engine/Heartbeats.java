package io.courier.engine;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of one event loop that wait for the same kind of heartbeat deadline: their next ping ({@code
 * pingInterval} after the last pong) or the pong of the ping they were sent ({@code pingTimeout}). Every deadline in
 * a list is "when joined + one period", so a session always joins at the tail and the list stays in deadline order:
 * one timer per list, at its head's deadline, does what a scheduled task per session did (80 bytes each, for every
 * idle connection). The list is linked through the sessions' own fields.
 *
 * <p>Only the loop touches it. Time is the loop's own ({@link EventLoop#ticker()}), the clock its scheduled tasks run
 * by.
 */
final class Heartbeats {
    private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);

    private final EventLoop loop;
    private final long periodNanos;
    private final Consumer<EngineIoSession> due;
    private final Runnable fire = this::fire;
    private EngineIoSession head;
    private EngineIoSession tail;
    private ScheduledFuture<?> timer; // for the head's deadline or earlier; null when none is pending

    /**
     * @param due called on the loop for each session whose deadline passed, after it left the list
     */
    Heartbeats(EventLoop loop, long periodNanos, Consumer<EngineIoSession> due) {
        this.loop = loop;
        this.periodNanos = periodNanos;
        this.due = due;
    }

    /** Adds {@code s} (in no list) with the deadline one period from now. */
    void join(EngineIoSession s) {
        long deadline = loop.ticker().nanoTime() + periodNanos;
        s.heartbeat = this;
        s.heartbeatDeadline = deadline;
        s.heartbeatPrev = tail;
        s.heartbeatNext = null;
        if (tail == null) {
            head = s;
        } else {
            tail.heartbeatNext = s;
        }
        tail = s;
        if (timer == null) {
            arm(deadline);
        }
    }

    /**
     * Takes {@code s} out of this list. The timer stays while others wait (set for {@code s}, it fires and finds
     * nothing due); the last one out cancels it, so an empty list leaves nothing scheduled.
     */
    void leave(EngineIoSession s) {
        EngineIoSession prev = s.heartbeatPrev;
        EngineIoSession next = s.heartbeatNext;
        if (prev == null) {
            head = next;
        } else {
            prev.heartbeatNext = next;
        }
        if (next == null) {
            tail = prev;
        } else {
            next.heartbeatPrev = prev;
        }
        s.heartbeat = null;
        s.heartbeatPrev = null;
        s.heartbeatNext = null;
        if (head == null && timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void arm(long deadline) {
        timer = loop.schedule(fire, Math.max(0, deadline - loop.ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        long now = loop.ticker().nanoTime();
        EngineIoSession s;
        while ((s = head) != null && s.heartbeatDeadline <= now) {
            leave(s);
            try {
                due.accept(s); // may join this list again (at its tail, one period from now) or another one
            } catch (RuntimeException e) {
                // one session's failure must not stop the heartbeats of the others
                log.warn("session {}: heartbeat failed: {}", s.sid(), e.toString());
            }
        }
        if (head != null && timer == null) {
            arm(head.heartbeatDeadline);
        }
    }
}
