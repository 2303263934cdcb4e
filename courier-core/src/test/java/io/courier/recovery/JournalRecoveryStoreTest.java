package io.courier.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRecoveryStoreTest {
    @TempDir
    Path dir;

    private Clock clock = Clock.fixed(Instant.parse("2026-11-21T00:00:00Z"), ZoneOffset.UTC);

    private JournalRecoveryStore open() {
        return JournalRecoveryStore.open(dir, Duration.ofMinutes(1), 1000, clock);
    }

    private static String append(RecoveryStore store, Set<String> rooms, Object value) {
        ArrayNode data = JsonNodeFactory.instance.arrayNode().add("e");
        if (value instanceof byte[] b) {
            data.addObject().put("text", "bin").set("bytes", JsonNodeFactory.instance.binaryNode(b));
        } else {
            data.add(String.valueOf(value));
        }
        return store.append("/", rooms, Set.of(), data)
                .toCompletableFuture()
                .join()
                .offset();
    }

    private static List<LoggedPacket> restore(RecoveryStore store, String pid, String offset) {
        return store.restore(pid, offset)
                .toCompletableFuture()
                .join()
                .map(RecoveryStore.Restored::missed)
                .orElse(null);
    }

    @Test
    void packetsAndSessionsSurviveAReopenWithTheirOffsets() {
        String first;
        String second;
        try (var closer = new Closer(open())) {
            RecoveryStore store = closer.store;
            first = append(store, Set.of(), "one");
            store.save(
                    new SavedSession("sock", "pid", "/", Set.of("sock", "r"), Map.of("user", "ann"), clock.millis()));
            second = append(store, Set.of("r"), new byte[] {1, 2, 3});
            append(store, Set.of("elsewhere"), "not for sock");
        }
        try (var closer = new Closer(open())) {
            RecoveryStore store = closer.store;
            assertThat(store.session("pid").toCompletableFuture().join()).hasValueSatisfying(s -> {
                assertThat(s.socketId()).isEqualTo("sock");
                assertThat(s.rooms()).containsExactlyInAnyOrder("sock", "r");
                assertThat(s.data()).containsEntry("user", "ann");
            });
            List<LoggedPacket> missed = restore(store, "pid", first);
            assertThat(missed).hasSize(1);
            assertThat(missed.get(0).offset()).isEqualTo(second);
            assertThat(missed.get(0).data().get(1).get("bytes").isBinary()).isTrue();
            assertThat(missed.get(0).data().get(1).get("bytes").binaryValue()).containsExactly(1, 2, 3);
            // the sequence goes on after the restart: new offsets follow the old ones
            String third = append(store, Set.of(), "after restart");
            assertThat(restore(store, "pid", second))
                    .extracting(LoggedPacket::offset)
                    .containsExactly(third);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anOffsetIsNeverHandedOutTwiceAfterATornTailCutThePacketThatHadIt() throws Exception {
        String first;
        String cut;
        try (var closer = new Closer(open())) {
            closer.store.save(new SavedSession("sock", "pid", "/", Set.of("sock"), Map.of(), clock.millis()));
            first = append(closer.store, Set.of(), "one");
            cut = append(closer.store, Set.of(), "CUT-OFF");
        }
        // damage the newest record (the packet CUT-OFF): the next open finds a torn tail and cuts it
        Path segment;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir.resolve("log"))) {
            segment = files.filter(p -> p.toString().endsWith(".seg"))
                    .sorted()
                    .reduce((a, b) -> b)
                    .orElseThrow();
        }
        byte[] file = java.nio.file.Files.readAllBytes(segment);
        String text = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        file[text.lastIndexOf("CUT-OFF") + 1] ^= 0x01;
        java.nio.file.Files.write(segment, file);

        String next;
        try (var closer = new Closer(open())) {
            next = append(closer.store, Set.of(), "after the cut");
            assertThat(next).isNotEqualTo(cut);
            // a client at "one" would silently miss the cut packet: it connects as a new socket instead
            assertThat(restore(closer.store, "pid", first)).isNull();
        }
        try (var closer = new Closer(open())) {
            String again = append(closer.store, Set.of(), "after another restart");
            assertThat(again).isNotIn(first, cut, next);
        }
    }

    @Test
    void whatIsOlderThanTheRetentionIsNotReplayed() {
        String first;
        try (var closer = new Closer(open())) {
            first = append(closer.store, Set.of(), "old");
            closer.store.save(new SavedSession("sock", "pid", "/", Set.of("sock"), Map.of(), clock.millis()));
        }
        clock = Clock.offset(clock, Duration.ofMinutes(2));
        try (var closer = new Closer(open())) {
            assertThat(closer.store.session("pid").toCompletableFuture().join()).isEmpty();
            assertThat(restore(closer.store, "pid", first)).isNull();
        }
    }

    /** Closes the store at the end of a try block. */
    private record Closer(JournalRecoveryStore store) implements AutoCloseable {
        @Override
        public void close() {
            store.close();
        }
    }
}
