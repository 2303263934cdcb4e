package io.courier.durable;

import io.courier.journal.CorruptRecordException;
import io.courier.journal.JournalConfig;
import io.courier.journal.LogReader;
import io.courier.journal.LogRecord;
import io.courier.journal.PositionTrimmedException;
import io.courier.journal.SegmentLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * </pre>
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
    private static final int SEEK_INSTEAD_OF_SKIP = 64;

    private final SegmentLog journal;
    private final Set<Subscription> movedCursors = new LinkedHashSet<>(); // cursor values ignored: read at flush
    private long damaged; // damaged records seen by the recovery scan

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
        SegmentLog journal = SegmentLog.open(dir, config);
        JournalMessageStore store = new JournalMessageStore(journal, retention, limits);
        try {
            store.recover();
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
                    damaged += e.resumePosition() - e.position();
                    log.error(
                            "Message store {}: {}; messages stored there are reported to subscribers as lost",
                            journal.directory(),
                            e.getMessage());
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
            if (damaged > 0) {
                markDamagedTails();
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
     * Damaged records can hide messages of any channel. A channel whose next intact message skips seqs after damage
     * gets those seqs marked lost; a channel with no message after the damage gets as many seqs as there were damaged
     * records marked lost after its newest one (which may over-report: better than a silent gap).
     */
    private void markDamagedTails() {
        for (ChannelLog c : channels.values()) {
            long pending = damaged - c.damagedAtLastMessage;
            if (pending > 0) {
                c.add(c.lastSeq + pending, -1, System.currentTimeMillis(), 0, null);
            }
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
            default -> throw new IOException("unknown record type " + type);
        }
    }

    // ---- persistence hooks --------------------------------------------------------------------------------------

    @Override
    CompletableFuture<Long> persistMessage(String channel, long seq, long time, byte[] payload) {
        return journal.append(record(out -> {
            out.writeByte(MESSAGE);
            out.writeUTF(channel);
            out.writeLong(seq);
            out.writeLong(time);
            out.writeInt(payload.length);
            out.write(payload);
        }));
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
                if (c.size() > 0 && c.ref(0) >= 0) {
                    needed = Math.min(needed, c.ref(0));
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
