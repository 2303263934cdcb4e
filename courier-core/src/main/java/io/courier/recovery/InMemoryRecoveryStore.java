package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Recovery state in memory, as the reference server keeps it: lost on restart.
 *
 * <p>Bounds: packets and sessions older than {@code maxDisconnectionDuration} are dropped; the log also holds at most
 * {@code maxPackets} entries, dropping the oldest (a client whose offset was dropped connects as a new socket, which
 * is Socket.IO's fallback, not an error).
 *
 * <p>Offsets are {@code <epoch>-<sequence>} in base 36: the epoch is random per store, so an offset from before a
 * restart is simply unknown.
 *
 * <p>Every stage it returns is already complete: the embedded default costs one short lock per call, no hop.
 */
public final class InMemoryRecoveryStore implements RecoveryStore {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final Duration maxDisconnectionDuration;
    private final int maxPackets;
    private final Clock clock;
    private final String epoch;
    private final ArrayDeque<Entry> log = new ArrayDeque<>();
    private final Map<String, SavedSession> sessions = new ConcurrentHashMap<>();
    private final Persistence persistence;
    private long nextSequence = 1;
    /** Offsets below this one are not restorable: packets after them may have been lost (see {@link #skipTo}). */
    private long restorableFrom;

    private record Entry(long sequence, LoggedPacket packet) {}

    /** Told about every logged packet and saved session, in order, under the store's lock; must not block. */
    interface Persistence {
        void packet(long sequence, LoggedPacket packet);

        void session(SavedSession session);
    }

    public InMemoryRecoveryStore(Duration maxDisconnectionDuration, int maxPackets, Clock clock) {
        this(maxDisconnectionDuration, maxPackets, clock, newEpoch(), null);
    }

    InMemoryRecoveryStore(
            Duration maxDisconnectionDuration, int maxPackets, Clock clock, String epoch, Persistence persistence) {
        if (maxDisconnectionDuration.isNegative() || maxDisconnectionDuration.isZero()) {
            throw new IllegalArgumentException(
                    "maxDisconnectionDuration : " + maxDisconnectionDuration + " (expected: > 0)");
        }
        if (maxPackets <= 0) {
            throw new IllegalArgumentException("maxPackets : " + maxPackets + " (expected: > 0)");
        }
        this.maxDisconnectionDuration = maxDisconnectionDuration;
        this.maxPackets = maxPackets;
        this.clock = clock;
        this.epoch = epoch;
        this.persistence = persistence;
    }

    static String newEpoch() {
        return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
    }

    /** The sequence the next packet gets. */
    synchronized long nextSequence() {
        return nextSequence;
    }

    /**
     * Before the store is used: the next packet gets at least {@code next} (sequences that may have been handed out
     * before a restart are never handed out again); with {@code lostBefore}, offsets below {@code next} are no longer
     * restorable, as packets after them were lost and their clients would miss them silently.
     */
    synchronized void skipTo(long next, boolean lostBefore) {
        nextSequence = Math.max(nextSequence, next);
        if (lostBefore) {
            restorableFrom = Math.max(restorableFrom, nextSequence);
        }
    }

    /** Puts back a packet read from durable storage (in sequence order), before the store is used. */
    synchronized void load(long sequence, LoggedPacket packet) {
        if (clock.millis() - packet.timestamp() <= maxDisconnectionDuration.toMillis()) {
            log.addLast(new Entry(sequence, packet));
            trim(clock.millis());
        }
        nextSequence = Math.max(nextSequence, sequence + 1);
    }

    /** Puts back a session read from durable storage; a later one for the same pid wins. */
    void loadSession(SavedSession session) {
        if (clock.millis() - session.disconnectedAt() <= maxDisconnectionDuration.toMillis()) {
            sessions.put(session.pid(), session);
        }
    }

    @Override
    public synchronized CompletionStage<LoggedPacket> append(
            String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
        long now = clock.millis();
        long sequence = nextSequence++;
        String offset = epoch + "-" + Long.toString(sequence, 36);
        ArrayNode tagged = data.deepCopy();
        tagged.add(offset);
        LoggedPacket packet = new LoggedPacket(offset, namespace, Set.copyOf(rooms), Set.copyOf(except), tagged, now);
        log.addLast(new Entry(sequence, packet));
        trim(now);
        if (persistence != null) {
            persistence.packet(sequence, packet);
        }
        return CompletableFuture.completedFuture(packet);
    }

    @Override
    public synchronized CompletionStage<Void> save(SavedSession session) {
        sessions.put(session.pid(), session);
        if (persistence != null) {
            persistence.session(session);
        }
        return DONE;
    }

    @Override
    public CompletionStage<Optional<SavedSession>> restorable(String pid, String offset) {
        return CompletableFuture.completedFuture(restorableNow(pid, offset));
    }

    private synchronized Optional<SavedSession> restorableNow(String pid, String offset) {
        long now = clock.millis();
        trim(now);
        SavedSession session = sessions.get(pid);
        if (session == null || now - session.disconnectedAt() > maxDisconnectionDuration.toMillis()) {
            return Optional.empty();
        }
        long after = sequenceOf(offset);
        if (after < 0
                || log.isEmpty()
                || after < log.peekFirst().sequence()
                || after >= nextSequence
                || after < restorableFrom) {
            return Optional.empty();
        }
        return Optional.of(session);
    }

    @Override
    public synchronized CompletionStage<Optional<Restored>> restore(String pid, String offset) {
        SavedSession session = restorableNow(pid, offset).orElse(null);
        if (session == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        long after = sequenceOf(offset);
        List<LoggedPacket> missed = new ArrayList<>();
        for (Entry e : log) {
            if (e.sequence() > after
                    && e.packet().namespace().equals(session.namespace())
                    && e.packet().reaches(session.rooms())) {
                missed.add(e.packet());
            }
        }
        return CompletableFuture.completedFuture(Optional.of(new Restored(session, missed)));
    }

    @Override
    public synchronized CompletionStage<Void> expire() {
        long now = clock.millis();
        trim(now);
        sessions.values().removeIf(s -> now - s.disconnectedAt() > maxDisconnectionDuration.toMillis());
        return DONE;
    }

    @Override
    public CompletionStage<Optional<SavedSession>> session(String pid) {
        return CompletableFuture.completedFuture(Optional.ofNullable(sessions.get(pid)));
    }

    /** Entries in the log; for tests. */
    public synchronized int size() {
        return log.size();
    }

    private void trim(long now) {
        long cutoff = now - maxDisconnectionDuration.toMillis();
        Iterator<Entry> it = log.iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (log.size() > maxPackets || e.packet().timestamp() < cutoff) {
                it.remove();
            } else {
                break;
            }
        }
    }

    /** The sequence of one of our offsets, or -1 for anything else (another epoch, garbage). */
    private long sequenceOf(String offset) {
        int dash = offset.indexOf('-');
        if (dash < 0 || !offset.regionMatches(0, epoch, 0, dash) || dash != epoch.length()) {
            return -1;
        }
        try {
            return Long.parseLong(offset.substring(dash + 1), 36);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
