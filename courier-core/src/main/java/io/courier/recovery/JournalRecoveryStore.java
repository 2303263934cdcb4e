package io.courier.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.journal.JournalConfig;
import io.courier.journal.LogReader;
import io.courier.journal.LogRecord;
import io.courier.journal.SegmentLog;
import io.courier.journal.TornTail;
import io.courier.json.Attachments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery state that survives a restart: the in-memory store (which serves every request) plus a write-behind copy
 * of every logged packet and saved session in a {@link SegmentLog}, replayed into memory on open.
 *
 * <p>Offsets are {@code <epoch>-<sequence>} with the epoch kept in {@code <dir>/epoch}, so a client's offset from
 * before the restart is still understood. Records are written behind the fan-out and fsynced by the journal's group
 * commit (within a few milliseconds): a crash can lose the newest records, after which the affected clients connect
 * as new sockets — recovery stays best-effort, as in Socket.IO; durable queues give the stronger promise.
 *
 * <p>Sequences are never handed out twice, also across a crash that lost the newest records: they are reserved ahead
 * in blocks ({@code {"t":"r","q":<last reserved>}} records), and a restart goes on after the highest sequence
 * reserved or logged, plus the records a torn tail cut off can have held. After such a cut, offsets from before it are
 * no longer restorable (their clients could miss a cut packet silently): those clients connect as new sockets.
 * {@code socket.data()} values come back as JSON values (maps, lists, strings, numbers, booleans).
 *
 * <p>Every stage it returns is already complete, as the in-memory store's; {@link #expire} trims the journal on the
 * caller's thread (the server's timer).
 */
public final class JournalRecoveryStore implements RecoveryStore {
    private static final Logger log = LoggerFactory.getLogger(JournalRecoveryStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SegmentLog journal;
    private final InMemoryRecoveryStore memory;
    private final Duration maxDisconnectionDuration;
    private final Clock clock;
    /** Sequences up to this one are reserved by a durable record; guarded by {@code memory}'s lock after open. */
    private long reservedThrough;

    static final long RESERVE_BLOCK = 4096;
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);
    /** How long the journal's writer waits for more emits after one (its appends are written behind). */
    private static final Duration LINGER = Duration.ofMillis(5);

    private JournalRecoveryStore(
            SegmentLog journal, Duration maxDisconnectionDuration, int maxPackets, Clock clock, String epoch) {
        this.journal = journal;
        this.maxDisconnectionDuration = maxDisconnectionDuration;
        this.clock = clock;
        this.memory = new InMemoryRecoveryStore(maxDisconnectionDuration, maxPackets, clock, epoch, new Writer());
    }

    /** Opens (or creates) the store in {@code dir} and replays what is still within the retention. */
    public static JournalRecoveryStore open(Path dir, Duration maxDisconnectionDuration, int maxPackets, Clock clock) {
        try {
            Files.createDirectories(dir);
            String epoch = epoch(dir.resolve("epoch"));
            // written behind (nothing waits for an append): a writer that lingers 5 ms for more emits covers a busy
            // server's emits with a few fsyncs a second rather than one per emit
            SegmentLog journal =
                    SegmentLog.open(dir.resolve("log"), JournalConfig.defaults().withMaxBatchDelay(LINGER));
            JournalRecoveryStore store =
                    new JournalRecoveryStore(journal, maxDisconnectionDuration, maxPackets, clock, epoch);
            store.replay();
            store.reserveAfterReplay();
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the recovery store in " + dir, e);
        }
    }

    @Override
    public CompletionStage<LoggedPacket> append(
            String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
        return memory.append(namespace, rooms, except, data);
    }

    @Override
    public CompletionStage<Void> save(SavedSession session) {
        return memory.save(session);
    }

    @Override
    public CompletionStage<Optional<SavedSession>> restorable(String pid, String offset) {
        return memory.restorable(pid, offset);
    }

    @Override
    public CompletionStage<Optional<Restored>> restore(String pid, String offset) {
        return memory.restore(pid, offset);
    }

    @Override
    public CompletionStage<Optional<SavedSession>> session(String pid) {
        return memory.session(pid);
    }

    /** Expires memory, then deletes the journal's whole segments older than the retention. */
    @Override
    public CompletionStage<Void> expire() {
        memory.expire();
        long cutoff = clock.millis() - maxDisconnectionDuration.toMillis();
        try {
            LogReader reader = journal.reader(journal.firstPosition());
            while (true) {
                List<LogRecord> batch = reader.read(256);
                if (batch.isEmpty()) {
                    return DONE;
                }
                for (LogRecord r : batch) {
                    if (JSON.readTree(r.payload()).path("ts").asLong() >= cutoff) {
                        journal.trimBefore(r.position());
                        return DONE;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("recovery store: trimming the journal failed: {}", e.toString());
            return DONE;
        }
    }

    @Override
    public void close() {
        journal.close();
    }

    private void replay() throws IOException {
        LogReader reader = journal.reader(journal.firstPosition());
        int packets = 0;
        int sessions = 0;
        int damaged = 0;
        while (true) {
            List<LogRecord> batch;
            try {
                batch = reader.read(1024);
            } catch (RuntimeException e) {
                // damaged records: the reader moves past them (the journal reports them); they are never served
                if (++damaged > 1000) {
                    log.warn("recovery store: too many unreadable records, replay stops here");
                    break;
                }
                log.warn("recovery store: skipping unreadable records: {}", e.getMessage());
                continue;
            }
            if (batch.isEmpty()) {
                break;
            }
            for (LogRecord r : batch) {
                JsonNode n = JSON.readTree(r.payload());
                if ("p".equals(n.path("t").asText())) {
                    memory.load(n.path("q").asLong(), decodePacket(n));
                    packets++;
                } else if ("s".equals(n.path("t").asText())) {
                    memory.loadSession(decodeSession(n));
                    sessions++;
                } else if ("r".equals(n.path("t").asText())) {
                    reservedThrough = Math.max(reservedThrough, n.path("q").asLong());
                }
            }
        }
        if (packets + sessions > 0) {
            log.info(
                    "recovery store: replayed {} packet and {} session records from {}",
                    packets,
                    sessions,
                    journal.directory());
        }
    }

    /**
     * Goes on after every sequence that may have been handed out before: the highest logged or reserved one, plus as
     * many as a torn tail cut off can have held; then reserves the next block and waits until that is durable.
     */
    private void reserveAfterReplay() {
        long cut = 0;
        for (TornTail torn : journal.tornTails()) {
            cut += torn.positions();
        }
        long next = Math.max(memory.nextSequence(), reservedThrough + 1) + cut;
        memory.skipTo(next, cut > 0);
        if (cut > 0) {
            log.warn(
                    "recovery store: a torn tail of the journal ({} record(s) at most) was cut; offsets from before it"
                            + " are not restorable, sequences go on at {}",
                    cut,
                    next);
        }
        reservedThrough = next + RESERVE_BLOCK - 1;
        try {
            journal.append(reservation(reservedThrough)).join();
        } catch (RuntimeException e) {
            log.warn(
                    "recovery store: sequences could not be reserved ({}); retried with the next packets",
                    e.toString());
            reservedThrough = next - 1;
        }
    }

    private byte[] reservation(long through) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("t", "r").put("q", through).put("ts", clock.millis());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes each packet and session behind the in-memory store; never blocks, never fails the emit. */
    private final class Writer implements InMemoryRecoveryStore.Persistence {
        @Override
        public void packet(long sequence, LoggedPacket p) {
            if (sequence > reservedThrough - RESERVE_BLOCK / 2) {
                // ahead of use: the next block is durable long before the sequences reach it
                reservedThrough = Math.max(reservedThrough, sequence) + RESERVE_BLOCK;
                write(reservation(reservedThrough));
            }
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("t", "p")
                    .put("q", sequence)
                    .put("o", p.offset())
                    .put("n", p.namespace())
                    .put("ts", p.timestamp());
            n.set("r", strings(p.rooms()));
            n.set("x", strings(p.except()));
            List<byte[]> attachments = new ArrayList<>();
            n.set("d", Attachments.extract(p.data(), attachments));
            ArrayNode a = n.putArray("a");
            attachments.forEach(b -> a.add(Base64.getEncoder().encodeToString(b)));
            write(n);
        }

        @Override
        public void session(SavedSession s) {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("t", "s").put("id", s.socketId()).put("pid", s.pid()).put("n", s.namespace());
            n.put("ts", s.disconnectedAt());
            n.set("r", strings(s.rooms()));
            n.set("d", JSON.valueToTree(s.data()));
            write(n);
        }

        private void write(ObjectNode n) {
            try {
                write(JSON.writeValueAsBytes(n));
            } catch (IOException e) {
                log.warn("recovery store: a record was not written: {}", e.toString());
            }
        }

        private void write(byte[] record) {
            try {
                journal.append(record).whenComplete((pos, err) -> {
                    if (err != null) {
                        log.warn("recovery store: a record was not written: {}", err.toString());
                    }
                });
            } catch (RuntimeException e) {
                log.warn("recovery store: a record was not written: {}", e.toString());
            }
        }
    }

    private static LoggedPacket decodePacket(JsonNode n) {
        List<byte[]> attachments = new ArrayList<>();
        n.path("a").forEach(b -> attachments.add(Base64.getDecoder().decode(b.asText())));
        ArrayNode data = (ArrayNode) Attachments.restore(n.path("d"), attachments);
        return new LoggedPacket(
                n.path("o").asText(),
                n.path("n").asText(),
                stringSet(n.path("r")),
                stringSet(n.path("x")),
                data,
                n.path("ts").asLong());
    }

    @SuppressWarnings("unchecked")
    private static SavedSession decodeSession(JsonNode n) {
        Map<String, Object> data = JSON.convertValue(n.path("d"), Map.class);
        return new SavedSession(
                n.path("id").asText(),
                n.path("pid").asText(),
                n.path("n").asText(),
                stringSet(n.path("r")),
                data == null ? Map.of() : data,
                n.path("ts").asLong());
    }

    private static ArrayNode strings(Set<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static Set<String> stringSet(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static String epoch(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        }
        String epoch = InMemoryRecoveryStore.newEpoch();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(epoch.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        return epoch;
    }
}
