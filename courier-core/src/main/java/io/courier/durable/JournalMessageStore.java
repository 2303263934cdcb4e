package io.courier.durable;

import io.courier.journal.CorruptRecordException;
import io.courier.journal.JournalConfig;
import io.courier.journal.LogReader;
import io.courier.journal.LogRecord;
import io.courier.journal.PositionTrimmedException;
import io.courier.journal.SegmentLog;
import io.courier.journal.TornTail;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded durable store: every message, subscription change and cursor is a record of one
 * {@link SegmentLog}, so a publish is one append (one fsync shared by a whole group commit), whatever the number of
 * subscribers. Memory holds only the index (about 28 bytes per kept message, payloads stay on disk) and the
 * subscriptions; both are rebuilt by scanning the log at open.
 *
 * <p>Records (big-endian, strings as {@link DataOutputStream#writeUTF}):
 *
 * <pre>
 * 1 MESSAGE     channel, seq int64, time int64, payload length int32, payload
 * 2 SUBSCRIBE   clientId, channel, cursor int64
 * 3 UNSUBSCRIBE clientId, channel
 * 4 CURSOR      clientId, channel, cursor int64
 * 5 CHANNEL     channel, lastSeq int64, expiredThrough int64
 * 6 LOST        channel, seq int64, time int64     (the seqs after the previous kept one up to seq are lost)
 * 7 IDS         reservedThrough int64              (no message is stored at a position up to this one)
 * 8 FILLER      (nothing: takes a position so that no message gets it)
 * </pre>
 *
 * <p>Ids and seqs are never reused. A message's id is its journal position; a torn tail cut at open
 * ({@link SegmentLog#tornTails()}) may have held acknowledged records whose positions the journal hands out again, so
 * the store first persists an IDS record reserving every position the cut bytes can have held and fills them with
 * FILLER records. Damage is tied to the channels it can be tied to: a damaged or cut MESSAGE record whose bytes still
 * name an existing channel and a seq just after that channel's newest one, a channel whose next intact message
 * skips seqs after damage, or a subscriber's cursor beyond the channel's newest stored seq. Those seqs are marked
 * lost (read back as a lost message, so subscribers get {@code courier:continuity-lost}) and never handed out again;
 * a LOST record keeps the marks whose evidence is gone after the open (a torn tail, a cursor) and every checkpoint
 * repeats the marks still kept. Damage that names no channel is logged and announced nowhere: it is never announced
 * on every channel.
 *
 * <p>Answers come at once, on the caller's thread: a read loads its payloads from the log there (a local disk read, so
 * callers read on a handler thread, never on an event loop); an append, subscribe or unsubscribe completes on the
 * journal's writer thread after the fsync that covers it.
 *
 * <p>Cursors are written in batches by {@link #maintain}, so after a crash a cursor may be up to one maintenance
 * interval behind and those messages are delivered again. Segments are deleted once every message in them is
 * acknowledged or expired; before that, a checkpoint (CHANNEL and SUBSCRIBE records of the whole state) is appended
 * and made durable, so no subscription or cursor lives only in a deleted segment.
 */
public final class JournalMessageStore extends AbstractMessageStore {
    private static final Logger log = LoggerFactory.getLogger(JournalMessageStore.class);
    private static final byte MESSAGE = 1;
    private static final byte SUBSCRIBE = 2;
    private static final byte UNSUBSCRIBE = 3;
    private static final byte CURSOR = 4;
    private static final byte CHANNEL = 5;
    private static final byte LOST = 6;
    private static final byte IDS = 7;
    private static final byte FILLER = 8;
    private static final int FILLERS_AT_ONCE = 1024;
    private static final int SEEK_INSTEAD_OF_SKIP = 64;
    /** Bytes before a record's payload in a journal frame (length, checksum, position). */
    private static final int FRAME_HEADER_BYTES = 16;

    private final SegmentLog journal;
    private final Set<Subscription> movedCursors = new LinkedHashSet<>(); // cursor values ignored: read at flush
    private long damaged; // damaged records seen by the recovery scan
    private long tied; // seqs of those tied to a channel and marked lost
    private long reservedThrough; // positions up to this one are never given to a message (IDS records)
    private final List<Lost> cutLosses = new ArrayList<>(); // found at this open, gone from the log: persisted

    private record Lost(String channel, long seq) {}

    private JournalMessageStore(SegmentLog journal, Function<String, Retention> retention, StoreLimits limits) {
        super(retention, limits);
        this.journal = journal;
    }

    /** Opens (or creates) the store in {@code dir}, recovering its state from the log. */
    public static JournalMessageStore open(Path dir, JournalConfig config, Function<String, Retention> retention)
            throws IOException {
        return open(dir, config, retention, StoreLimits.DEFAULT);
    }

    /** Opens (or creates) the store in {@code dir} with these limits, recovering its state from the log. */
    public static JournalMessageStore open(
            Path dir, JournalConfig config, Function<String, Retention> retention, StoreLimits limits)
            throws IOException {
        return open(SegmentLog.open(dir, config), retention, limits);
    }

    /**
     * Opens the store over a log the caller just opened (and gives it to the store: closing the store closes it),
     * recovering its state from the log. The log must be used by nothing else.
     */
    public static JournalMessageStore open(
            SegmentLog journal, Function<String, Retention> retention, StoreLimits limits) {
        JournalMessageStore store = new JournalMessageStore(journal, retention, limits);
        try {
            store.recover();
            store.persistRecovery();
        } catch (RuntimeException e) {
            journal.close();
            throw e;
        }
        store.maintain(System.currentTimeMillis());
        return store;
    }

    /** The log under this store (for metrics and tests). */
    public SegmentLog journal() {
        return journal;
    }

    private void recover() {
        long started = System.nanoTime();
        long records = 0;
        LogReader reader = journal.reader(journal.firstPosition());
        synchronized (this) {
            while (true) {
                LogRecord r;
                try {
                    r = reader.next();
                } catch (CorruptRecordException e) {
                    long unreadable = e.resumePosition() - e.position();
                    damaged += unreadable;
                    int marked = tieDamage(e.damagedBytes(), unreadable, null);
                    log.error(
                            "Message store {}: {}; {} lost message(s) named by the damaged bytes, reported to their"
                                    + " channel's subscribers",
                            journal.directory(),
                            e.getMessage(),
                            marked);
                    continue;
                }
                if (r == null) {
                    break;
                }
                records++;
                try {
                    apply(r.position(), r.payload());
                } catch (IOException | RuntimeException e) {
                    damaged++;
                    log.error(
                            "Message store {}: record at position {} cannot be read ({}); skipped",
                            journal.directory(),
                            r.position(),
                            e.toString());
                }
            }
            for (TornTail torn : journal.tornTails()) {
                reservedThrough = Math.max(reservedThrough, torn.afterPosition() + torn.positions());
                damaged += torn.positions();
                int marked = tieDamage(torn.head(), torn.positions(), cutLosses);
                log.warn(
                        "Message store {}: a torn tail of {} bytes (at most {} record(s)) was cut after position {};"
                                + " {} message(s) it held are reported lost to their channel's subscribers, and its"
                                + " positions are not reused",
                        journal.directory(),
                        torn.bytes(),
                        torn.positions(),
                        torn.afterPosition(),
                        marked);
            }
            tieAcknowledgedLosses();
            if (damaged > tied) {
                log.warn(
                        "Message store {}: up to {} damaged or cut record(s) name no channel (other record kinds, or bytes"
                                + " damaged beyond recognition); no subscriber is told of them",
                        journal.directory(),
                        damaged - tied);
            }
        }
        log.debug(
                "Message store {}: {} records, {} channels, {} subscribed clients recovered in {} ms",
                journal.directory(),
                records,
                channels.size(),
                subscriptions.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Ties damaged (or cut) bytes to the messages they held: frame by frame, a payload that still reads as a MESSAGE
     * of an existing channel with a seq after that channel's newest one (by at most {@code records}, the number of
     * records the bytes can hold) marks the seqs up to it lost. Damage that names nothing is tied to nothing.
     *
     * @param persist where to add the marks that must be persisted (the bytes will be gone), or null
     * @return how many messages were marked lost
     */
    private int tieDamage(byte[] bytes, long records, List<Lost> persist) {
        long now = System.currentTimeMillis();
        ByteBuffer frames = ByteBuffer.wrap(bytes);
        int marked = 0;
        int at = 0;
        while (at + FRAME_HEADER_BYTES <= bytes.length) {
            int payloadAt = at + FRAME_HEADER_BYTES;
            try {
                DataInputStream in =
                        new DataInputStream(new ByteArrayInputStream(bytes, payloadAt, bytes.length - payloadAt));
                if (in.readByte() == MESSAGE) {
                    String channel = in.readUTF();
                    long seq = in.readLong();
                    long time = in.readLong();
                    ChannelLog c = channels.get(channel);
                    if (c != null && seq > c.lastDurableSeq && seq - c.lastDurableSeq <= records) {
                        tied += seq - c.lastDurableSeq;
                        c.add(seq, -1, Math.min(Math.max(time, 0), now), 0, null);
                        marked++;
                        if (persist != null) {
                            persist.add(new Lost(channel, seq));
                        }
                    }
                }
            } catch (IOException e) {
                // not a readable message: nothing to tie
            }
            int length = frames.getInt(at);
            if (length < 0 || length > bytes.length - payloadAt) {
                break;
            }
            at = payloadAt + length;
        }
        return marked;
    }

    /**
     * A cursor beyond a channel's newest stored seq names messages that were stored, delivered and acknowledged, and
     * are gone now (damage that named nothing, or a tail lost without a trace): they are marked lost up to the highest
     * such cursor, for the subscribers that had not acknowledged them, and their seqs are never handed out again. The
     * mark is persisted, as the next messages will hide the gap from the cursor.
     */
    private void tieAcknowledgedLosses() {
        Map<String, Subscription> furthest = new java.util.HashMap<>();
        for (Subscription s : snapshotSubscriptions()) {
            furthest.merge(s.channel(), s, (a, b) -> a.cursor() >= b.cursor() ? a : b);
        }
        for (Subscription s : furthest.values()) {
            ChannelLog c = channels.get(s.channel());
            if (c != null && s.cursor() > c.lastDurableSeq) {
                log.error(
                        "Message store {}: {} acknowledged {} up to seq {}, but the log ends at seq {}; seqs up to {}"
                                + " are reported lost",
                        journal.directory(),
                        s.clientId(),
                        s.channel(),
                        s.cursor(),
                        c.lastDurableSeq,
                        s.cursor());
                tied += s.cursor() - c.lastDurableSeq;
                c.add(s.cursor(), -1, System.currentTimeMillis(), 0, null);
                cutLosses.add(new Lost(s.channel(), s.cursor()));
            }
        }
    }

    /**
     * Persists what recovery found and the journal no longer has: the lost marks of a torn tail, and the positions it
     * can have held (an IDS record, then FILLER records until the journal is past them), before any message is stored.
     */
    private void persistRecovery() {
        long now = System.currentTimeMillis();
        List<CompletableFuture<Long>> writes = new ArrayList<>();
        for (Lost lost : cutLosses) {
            writes.add(journal.append(lostRecord(lost.channel(), lost.seq(), now)));
            if (writes.size() >= FILLERS_AT_ONCE) {
                joinAll(writes);
                writes.clear();
            }
        }
        if (journal.lastPosition() < reservedThrough) {
            long reserved = reservedThrough;
            writes.add(journal.append(record(out -> {
                out.writeByte(IDS);
                out.writeLong(reserved);
            })));
        }
        joinAll(writes);
        cutLosses.clear();
        byte[] filler = {FILLER};
        while (journal.lastPosition() < reservedThrough) {
            long missing = reservedThrough - journal.lastPosition();
            List<CompletableFuture<Long>> fillers = new ArrayList<>();
            long atOnce = Math.min(FILLERS_AT_ONCE, journal.config().maxPendingAppends());
            for (long i = 0; i < Math.min(missing, atOnce); i++) {
                fillers.add(journal.append(filler));
            }
            joinAll(fillers);
        }
    }

    private void joinAll(List<CompletableFuture<Long>> writes) {
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            throw new StoreException(
                    "message store " + journal.directory() + ": could not persist what recovery found: " + e, e);
        }
    }

    private ChannelLog recoveredChannel(String name) {
        return channels.computeIfAbsent(name, n -> {
            ChannelLog c = new ChannelLog(n);
            c.damagedAtLastMessage = damaged;
            return c;
        });
    }

    private void apply(long position, byte[] record) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
        byte type = in.readByte();
        switch (type) {
            case MESSAGE -> {
                String channel = in.readUTF();
                long seq = in.readLong();
                long time = in.readLong();
                int size = in.readInt();
                ChannelLog c = recoveredChannel(channel);
                if (seq > c.lastDurableSeq) {
                    if (damaged > c.damagedAtLastMessage && seq > c.lastSeq + 1) {
                        tied += seq - 1 - c.lastSeq;
                        c.add(seq - 1, -1, time, 0, null);
                    }
                    c.damagedAtLastMessage = damaged;
                    c.add(seq, position, time, size, null);
                }
            }
            case SUBSCRIBE -> {
                String clientId = in.readUTF();
                String channel = in.readUTF();
                long cursor = in.readLong();
                Long existing = subscriptions.getOrDefault(clientId, Map.of()).get(channel);
                addSubscription(clientId, channel, existing == null ? cursor : Math.max(existing, cursor));
                recoveredChannel(channel);
            }
            case UNSUBSCRIBE -> removeSubscription(in.readUTF(), in.readUTF());
            case CURSOR -> {
                String clientId = in.readUTF();
                String channel = in.readUTF();
                long cursor = in.readLong();
                Map<String, Long> subs = subscriptions.get(clientId);
                if (subs != null) {
                    subs.computeIfPresent(channel, (k, v) -> Math.max(v, cursor));
                }
            }
            case CHANNEL -> {
                ChannelLog c = recoveredChannel(in.readUTF());
                c.damagedAtLastMessage = damaged;
                c.lastSeq = Math.max(c.lastSeq, in.readLong());
                c.lastDurableSeq = Math.max(c.lastDurableSeq, c.lastSeq);
                c.expiredThrough = Math.max(c.expiredThrough, in.readLong());
                while (c.size() > 0 && c.seq(0) <= c.expiredThrough) {
                    c.removeFirst();
                }
            }
            case LOST -> {
                ChannelLog c = recoveredChannel(in.readUTF());
                c.addLost(in.readLong(), in.readLong());
            }
            case IDS -> reservedThrough = Math.max(reservedThrough, in.readLong());
            case FILLER -> {
                // takes a position, nothing else
            }
            default -> throw new IOException("unknown record type " + type);
        }
    }

    // ---- persistence hooks --------------------------------------------------------------------------------------

    @Override
    CompletableFuture<Long> persistMessage(String channel, long seq, long time, byte[] payload, long failuresSeen) {
        return journal.append(
                record(out -> {
                    out.writeByte(MESSAGE);
                    out.writeUTF(channel);
                    out.writeLong(seq);
                    out.writeLong(time);
                    out.writeInt(payload.length);
                    out.write(payload);
                }),
                failuresSeen);
    }

    @Override
    long writeFailures() {
        return journal.writeFailures();
    }

    @Override
    CompletableFuture<Void> persistSubscribe(String clientId, String channel, long cursor) {
        return journal.append(subscribeRecord(clientId, channel, cursor)).thenApply(p -> null);
    }

    @Override
    CompletableFuture<Void> persistUnsubscribe(String clientId, String channel) {
        return journal.append(record(out -> {
                    out.writeByte(UNSUBSCRIBE);
                    out.writeUTF(clientId);
                    out.writeUTF(channel);
                }))
                .thenApply(p -> null);
    }

    @Override
    void cursorMoved(String clientId, String channel) {
        movedCursors.add(new Subscription(clientId, channel, 0));
    }

    @Override
    boolean keepsPayloads() {
        return false;
    }

    @Override
    List<StoredMessage> load(String channel, long[] seqs, long[] refs, long[] times, byte[][] ignored) {
        List<StoredMessage> out = new ArrayList<>(seqs.length);
        LogReader reader = null;
        for (int i = 0; i < seqs.length; i++) {
            long position = refs[i];
            if (position < 0) {
                out.add(new StoredMessage(null, channel, seqs[i], times[i], null));
                continue;
            }
            byte[] payload;
            try {
                if (reader == null
                        || reader.nextPosition() > position
                        || position - reader.nextPosition() > SEEK_INSTEAD_OF_SKIP) {
                    reader = journal.reader(position);
                }
                LogRecord r = next(reader, position);
                if (r == null) {
                    break;
                }
                payload = messagePayload(r.payload());
            } catch (PositionTrimmedException e) {
                reader = null;
                continue; // acknowledged by everyone or expired meanwhile
            } catch (CorruptRecordException e) {
                reader = null;
                log.error(
                        "Message store {}: message {} of {} is damaged: {}",
                        journal.directory(),
                        seqs[i],
                        channel,
                        e.getMessage());
                payload = null;
            }
            out.add(new StoredMessage(String.valueOf(position), channel, seqs[i], times[i], payload));
        }
        return out;
    }

    /** The record at {@code position}, skipping what lies before it (damage there included). */
    private static LogRecord next(LogReader reader, long position) {
        while (true) {
            LogRecord r;
            try {
                r = reader.next();
            } catch (CorruptRecordException e) {
                if (e.resumePosition() > position) {
                    throw e;
                }
                continue;
            }
            if (r == null || r.position() >= position) {
                return r;
            }
        }
    }

    private static byte[] messagePayload(byte[] record) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(record));
            if (in.readByte() != MESSAGE) {
                throw new IOException("not a message record");
            }
            in.readUTF();
            in.readLong();
            in.readLong();
            return in.readNBytes(in.readInt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- maintenance ----------------------------------------------------------------------------------------

    @Override
    void afterMaintain() {
        long needed;
        synchronized (this) {
            if (isClosed()) {
                return;
            }
            flushCursors();
            needed = journal.lastPosition() + 1;
            for (ChannelLog c : channels.values()) {
                // the oldest kept message that is stored: a lost mark before it has no record to keep
                for (int i = 0; i < c.size(); i++) {
                    if (c.ref(i) >= 0) {
                        needed = Math.min(needed, c.ref(i));
                        break;
                    }
                }
            }
        }
        if (journal.trimPoint(needed) == journal.firstPosition()) {
            return;
        }
        List<CompletableFuture<Long>> checkpoint = new ArrayList<>();
        synchronized (this) {
            for (ChannelLog c : channels.values()) {
                if (c.lastSeq > 0 || c.expiredThrough > 0) {
                    checkpoint.add(journal.append(record(out -> {
                        out.writeByte(CHANNEL);
                        out.writeUTF(c.name);
                        out.writeLong(c.lastDurableSeq);
                        out.writeLong(c.expiredThrough);
                    })));
                }
                for (int i = 0; i < c.size(); i++) {
                    if (c.ref(i) < 0) {
                        checkpoint.add(journal.append(lostRecord(c.name, c.seq(i), c.time(i))));
                    }
                }
            }
            for (Subscription s : snapshotSubscriptions()) {
                checkpoint.add(journal.append(subscribeRecord(s.clientId(), s.channel(), s.cursor())));
            }
            movedCursors.clear();
        }
        try {
            CompletableFuture.allOf(checkpoint.toArray(CompletableFuture[]::new))
                    .join();
        } catch (RuntimeException e) {
            log.warn("Message store {}: checkpoint failed ({}); segments are kept", journal.directory(), e.toString());
            return;
        }
        int deleted = journal.trimBefore(needed);
        log.debug("Message store {}: {} segment(s) deleted after a checkpoint", journal.directory(), deleted);
    }

    /** Appends a CURSOR record for every moved cursor; under the lock. */
    private void flushCursors() {
        for (Subscription moved : movedCursors) {
            Long cursor = subscriptions.getOrDefault(moved.clientId(), Map.of()).get(moved.channel());
            if (cursor == null) {
                continue;
            }
            try {
                journal.append(record(out -> {
                            out.writeByte(CURSOR);
                            out.writeUTF(moved.clientId());
                            out.writeUTF(moved.channel());
                            out.writeLong(cursor);
                        }))
                        .exceptionally(e -> {
                            log.warn(
                                    "Message store {}: a cursor could not be saved: {}",
                                    journal.directory(),
                                    e.toString());
                            return null;
                        });
            } catch (RuntimeException e) {
                log.warn(
                        "Message store {}: cursors not saved now ({}); retried later",
                        journal.directory(),
                        e.toString());
                return;
            }
        }
        movedCursors.clear();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (isClosed()) {
                return;
            }
            flushCursors();
            markClosed();
        }
        journal.close();
    }

    // ---- record encoding ----------------------------------------------------------------------------------------

    private static byte[] lostRecord(String channel, long seq, long time) {
        return record(out -> {
            out.writeByte(LOST);
            out.writeUTF(channel);
            out.writeLong(seq);
            out.writeLong(time);
        });
    }

    private static byte[] subscribeRecord(String clientId, String channel, long cursor) {
        return record(out -> {
            out.writeByte(SUBSCRIBE);
            out.writeUTF(clientId);
            out.writeUTF(channel);
            out.writeLong(cursor);
        });
    }

    private interface RecordWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] record(RecordWriter writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
