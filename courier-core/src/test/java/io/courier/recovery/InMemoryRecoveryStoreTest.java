package io.courier.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InMemoryRecoveryStoreTest {
    private final MutableClock clock = new MutableClock();
    private final InMemoryRecoveryStore store = new InMemoryRecoveryStore(Duration.ofSeconds(10), 5, clock);

    private String append(String nsp, Set<String> rooms, Set<String> except, String text) {
        ArrayNode data = JsonNodeFactory.instance.arrayNode().add("e").add(text);
        LoggedPacket p =
                store.append(nsp, rooms, except, data).toCompletableFuture().join();
        assertThat(data).as("the caller's array is not modified").hasSize(2);
        assertThat(p.data().get(2).asText()).as("offset is the last argument").isEqualTo(p.offset());
        return p.offset();
    }

    private List<String> missed(String pid, String offset) {
        return store.restore(pid, offset)
                .toCompletableFuture()
                .join()
                .map(r -> r.missed().stream().map(p -> p.data().get(1).asText()).toList())
                .orElse(null);
    }

    private void save(String pid, Set<String> rooms) {
        store.save(new SavedSession("sock-" + pid, pid, "/", rooms, Map.of("k", 1), clock.millis()));
    }

    @Test
    void offsetsAreUniqueAndFanOutSeesThemInOrder() {
        String a = append("/", Set.of(), Set.of(), "1");
        String b = append("/", Set.of(), Set.of(), "2");
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void aClientWhoseOffsetWasDroppedFromTheLogIsNotRestored() {
        String first = append("/", Set.of(), Set.of(), "before");
        save("p", Set.of("sock-p", "r"));
        append("/", Set.of("r"), Set.of(), "to r");
        append("/", Set.of("other"), Set.of(), "to other");
        append("/", Set.of(), Set.of("r"), "all but r");
        append("/admin", Set.of(), Set.of(), "other namespace");
        append("/", Set.of("sock-p"), Set.of(), "direct");
        append("/", Set.of(), Set.of(), "to all");
        // maxPackets 5 dropped "before"; restore needs the client's offset still in the log
        assertThat(missed("p", first)).isNull();
    }

    @Test
    void restoreFiltersByRoomsExceptAndNamespace() {
        String first = append("/", Set.of(), Set.of(), "seen");
        save("p", Set.of("sock-p", "r"));
        append("/", Set.of("r"), Set.of(), "to r");
        append("/", Set.of("other"), Set.of(), "to other");
        append("/", Set.of(), Set.of("r"), "all but r");
        append("/", Set.of("sock-p"), Set.of(), "direct");
        assertThat(missed("p", first)).containsExactly("to r", "direct");
    }

    @Test
    void theRestoredSessionCarriesItsIdsRoomsAndData() {
        String first = append("/", Set.of(), Set.of(), "seen");
        save("p", Set.of("sock-p", "r"));
        SavedSession got = store.restore("p", first)
                .toCompletableFuture()
                .join()
                .orElseThrow()
                .session();
        assertThat(got.socketId()).isEqualTo("sock-p");
        assertThat(got.rooms()).containsExactlyInAnyOrder("sock-p", "r");
        assertThat(got.data()).containsEntry("k", 1);
    }

    @Test
    void unknownPidOffsetOrEpochIsNotRestored() {
        String first = append("/", Set.of(), Set.of(), "seen");
        save("p", Set.of("sock-p"));
        assertThat(missed("nobody", first)).isNull();
        assertThat(missed("p", "garbage")).isNull();
        assertThat(missed("p", "zzzz-1")).isNull();
        String otherEpoch = new InMemoryRecoveryStore(Duration.ofSeconds(10), 5, clock)
                        .restorable("p", first)
                        .toCompletableFuture()
                        .join()
                        .isPresent()
                ? "unexpected"
                : "ok";
        assertThat(otherEpoch).isEqualTo("ok");
    }

    @Test
    void sessionsAndPacketsExpireAfterMaxDisconnectionDuration() {
        String first = append("/", Set.of(), Set.of(), "seen");
        save("p", Set.of("sock-p"));
        clock.advance(Duration.ofSeconds(9));
        assertThat(missed("p", first)).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(missed("p", first)).as("session older than 10 s").isNull();
        store.expire();
        assertThat(store.session("p").toCompletableFuture().join()).isEmpty();
        assertThat(store.size()).isZero();
    }

    @Test
    void theLogHoldsAtMostMaxPacketsDroppingTheOldest() {
        for (int i = 0; i < 12; i++) {
            append("/", Set.of(), Set.of(), "m" + i);
        }
        assertThat(store.size()).isEqualTo(5);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-21T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
