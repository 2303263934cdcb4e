package io.courier.durable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.courier.journal.JournalConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the journal store promises: restarts, damage, segments (the contract: {@link MessageStoreContract}). */
class MessageStoreTest {
    private static final Function<String, Retention> DEFAULT = c -> Retention.DEFAULT;

    @TempDir
    Path dir;

    private MessageStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private MessageStore open(String kind) throws IOException {
        return open(kind, DEFAULT);
    }

    private MessageStore open(String kind, Function<String, Retention> retention) throws IOException {
        return open(kind, retention, StoreLimits.DEFAULT);
    }

    private MessageStore open(String kind, Function<String, Retention> retention, StoreLimits limits)
            throws IOException {
        store = kind.equals("memory")
                ? new InMemoryMessageStore(retention, limits)
                : JournalMessageStore.open(dir, JournalConfig.defaults(), retention, limits);
        return store;
    }

    private JournalMessageStore reopen(JournalConfig config) throws IOException {
        store.close();
        JournalMessageStore s = JournalMessageStore.open(dir, config, DEFAULT);
        store = s;
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> texts(List<StoredMessage> messages) {
        return messages.stream().map(m -> new String(m.payload(), UTF_8)).toList();
    }

    @Test
    void subscriptionsCursorsAndMessagesSurviveAReopen() throws IOException {
        MessageStore s = open("journal");
        s.subscribe("a", "news").join();
        s.subscribe("b", "news").join();
        s.subscribe("gone", "news").join();
        s.unsubscribe("gone", "news").join();
        List<String> ids = Stream.of("one", "two", "three")
                .map(t -> s.append("news", bytes(t)).join().id())
                .toList();
        s.commit("a", "news", 2).join();

        JournalMessageStore again = reopen(JournalConfig.defaults());
        assertThat(again.subscribers("news").join()).containsExactlyInAnyOrder("a", "b");
        assertThat(again.subscriptions("a").join()).containsEntry("news", 2L);
        assertThat(again.subscriptions("b").join()).containsEntry("news", 0L);
        assertThat(again.readAfter("news", 0, 10).join())
                .extracting(StoredMessage::id)
                .containsExactlyElementsOf(ids);
        assertThat(again.append("news", bytes("four")).join().seq()).isEqualTo(4);
    }

    @Test
    void segmentsGoOnceAcknowledgedAndACheckpointKeepsTheStateThatWasInThem() throws IOException {
        JournalConfig small = JournalConfig.defaults().withSegmentBytes(4096).withMaxRecordBytes(1024);
        store = JournalMessageStore.open(dir, small, DEFAULT);
        JournalMessageStore s = (JournalMessageStore) store;
        s.subscribe("a", "news").join();
        s.subscribe("a", "quiet").join();
        for (int i = 1; i <= 200; i++) {
            s.append("news", bytes("message number " + i)).join();
        }
        int before = s.journal().segmentCount();
        s.commit("a", "news", 199).join();
        s.maintain(System.currentTimeMillis());
        assertThat(before).isGreaterThan(2);
        assertThat(s.journal().segmentCount()).isLessThan(before);
        assertThat(texts(s.readAfter("news", 0, 10).join())).containsExactly("message number 200");

        JournalMessageStore again = reopen(small);
        assertThat(again.subscriptions("a").join()).containsEntry("news", 199L).containsEntry("quiet", 0L);
        assertThat(again.lastSeq("news").join()).isEqualTo(200);
        assertThat(texts(again.readAfter("news", 0, 10).join())).containsExactly("message number 200");
        assertThat(again.append("news", bytes("next")).join().seq()).isEqualTo(201);
    }

    @Test
    void aDamagedMessageIsReportedAsLostNeverServed() throws IOException {
        MessageStore s = open("journal");
        s.subscribe("a", "news").join();
        s.append("news", bytes("first")).join();
        s.append("news", bytes("DAMAGE-ME")).join();
        s.append("news", bytes("third")).join();
        store.close();
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment =
                    files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] file = Files.readAllBytes(segment);
        String text = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        file[text.indexOf("DAMAGE-ME") + 2] ^= 0x01;
        Files.write(segment, file);

        JournalMessageStore again = reopen(JournalConfig.defaults());
        List<StoredMessage> read = again.readAfter("news", 0, 10).join();
        assertThat(read).extracting(StoredMessage::lost).containsExactly(false, true, false);
        assertThat(new String(read.get(2).payload(), UTF_8)).isEqualTo("third");
        assertThat(again.journal().corruptions()).isNotEmpty();
    }

    /** Flips one byte inside the first occurrence of {@code marker} in the store's (only) segment. */
    private void damage(String marker) throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment =
                    files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] file = Files.readAllBytes(segment);
        String text = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(text).contains(marker);
        file[text.indexOf(marker) + 2] ^= 0x01;
        Files.write(segment, file);
    }

    @Test
    void anAcknowledgedMessageCutOffTheTailIsAnnouncedAndItsIdAndSeqAreNeverReused() throws IOException {
        MessageStore s = open("journal");
        s.subscribe("a", "news").join();
        s.subscribe("b", "@b").join();
        s.append("@b", bytes("direct")).join();
        StoredMessage first = s.append("news", bytes("first")).join();
        StoredMessage cut = s.append("news", bytes("CUT-OFF-AFTER-ITS-ACK")).join();
        store.close();
        damage("CUT-OFF-AFTER-ITS-ACK"); // the newest record: recovery finds a torn tail and cuts it

        JournalMessageStore again = reopen(JournalConfig.defaults());
        assertThat(again.journal().tornTails()).hasSize(1);
        List<StoredMessage> read = again.readAfter("news", 0, 10).join();
        assertThat(read)
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(first.seq(), false), tuple(cut.seq(), true));
        assertThat(again.readAfter("@b", 0, 10).join()).noneMatch(StoredMessage::lost);
        StoredMessage next = again.append("news", bytes("next")).join();
        assertThat(next.seq()).isEqualTo(cut.seq() + 1);
        assertThat(Long.parseLong(next.id())).isGreaterThan(Long.parseLong(cut.id()));

        JournalMessageStore third = reopen(JournalConfig.defaults());
        assertThat(third.readAfter("news", 0, 10).join())
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(first.seq(), false), tuple(cut.seq(), true), tuple(next.seq(), false));
        assertThat(third.readAfter("news", 0, 10).join().get(2).id()).isEqualTo(next.id());
        StoredMessage after = third.append("news", bytes("after")).join();
        assertThat(after.seq()).isEqualTo(next.seq() + 1);
        assertThat(Long.parseLong(after.id())).isGreaterThan(Long.parseLong(next.id()));
    }

    @Test
    void aCutTailThatNamesNoMessageStillReservesItsPositionsAcrossRestarts() throws IOException {
        MessageStore s = open("journal");
        s.subscribe("a", "news").join();
        StoredMessage last = s.append("news", bytes("last")).join();
        store.close();
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment =
                    files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        // garbage after the newest record, as a write cut short leaves: up to 1000 / 16 records can hide in it
        Files.write(segment, new byte[1000], java.nio.file.StandardOpenOption.APPEND);

        JournalMessageStore again = reopen(JournalConfig.defaults());
        assertThat(again.readAfter("news", 0, 10).join()).noneMatch(StoredMessage::lost);
        StoredMessage next = again.append("news", bytes("next")).join();
        assertThat(next.seq()).isEqualTo(last.seq() + 1);
        assertThat(Long.parseLong(next.id())).isGreaterThan(Long.parseLong(last.id()) + 1000 / 16);
    }

    @Test
    void oneDamagedRecordIsAnnouncedOnlyOnTheChannelItHeld() throws IOException {
        MessageStore s = open("journal");
        for (int i = 0; i < 20; i++) {
            s.subscribe("user" + i, "@user" + i).join();
            s.append("@user" + i, bytes("hello " + i)).join();
        }
        s.subscribe("a", "news").join();
        s.append("news", bytes("first")).join();
        StoredMessage damaged = s.append("news", bytes("DAMAGE-ME")).join();
        s.append("other", bytes("an intact record after the damage")).join();
        store.close();
        damage("DAMAGE-ME");

        JournalMessageStore again = reopen(JournalConfig.defaults());
        assertThat(again.journal().corruptions()).hasSize(1);
        for (int i = 0; i < 20; i++) {
            assertThat(again.readAfter("@user" + i, 0, 10).join())
                    .as("direct channel of user%d", i)
                    .extracting(StoredMessage::lost)
                    .containsExactly(false);
            assertThat(again.append("@user" + i, bytes("again")).join().seq()).isEqualTo(2);
        }
        assertThat(again.readAfter("news", 0, 10).join())
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(1L, false), tuple(damaged.seq(), true));
        assertThat(again.append("news", bytes("next")).join().seq()).isEqualTo(damaged.seq() + 1);
    }

    /** A store in {@code dir} (small segments) whose channel {@code cut} lost its seq 2 to a torn tail. */
    private JournalMessageStore storeWithACutOffMessage(JournalConfig small) throws IOException {
        store = JournalMessageStore.open(dir, small, DEFAULT);
        MessageStore s = store;
        s.subscribe("a", "cut").join();
        s.subscribe("a", "busy").join();
        s.append("cut", bytes("first")).join();
        s.append("cut", bytes("CUT-OFF-AFTER-ITS-ACK")).join();
        store.close();
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(p -> p.toString().endsWith(".seg"))
                    .sorted()
                    .reduce((x, y) -> y)
                    .orElseThrow();
        }
        byte[] file = Files.readAllBytes(segment);
        String text = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        file[text.lastIndexOf("CUT-OFF-AFTER-ITS-ACK") + 2] ^= 0x01;
        Files.write(segment, file);
        JournalMessageStore again = reopen(small);
        assertThat(again.readAfter("cut", 0, 10).join())
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(1L, false), tuple(2L, true));
        again.commit("a", "cut", 1).join();
        return again;
    }

    /** Publishes to "busy" until the journal has more segments, all acknowledged, and runs maintenance. */
    private static void fillAndTrim(JournalMessageStore s) {
        for (int i = 1; i <= 200; i++) {
            s.append("busy", bytes("busy message number " + i)).join();
        }
        s.commit("a", "busy", s.lastSeq("busy").join()).join();
        s.maintain(System.currentTimeMillis());
    }

    @Test
    void aLostMarkSurvivesTheDeletionOfTheSegmentThatRecordedIt() throws IOException {
        JournalConfig small = JournalConfig.defaults().withSegmentBytes(4096).withMaxRecordBytes(1024);
        JournalMessageStore s = storeWithACutOffMessage(small);
        fillAndTrim(s);
        assertThat(s.journal().firstPosition())
                .as("the record of the lost mark is deleted")
                .isGreaterThan(20);

        JournalMessageStore reopened = reopen(small);
        assertThat(reopened.readAfter("cut", 1, 10).join())
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(2L, true));
        assertThat(reopened.append("cut", bytes("next")).join().seq()).isEqualTo(3);
    }

    @Test
    void aLostMarkAtTheHeadOfAChannelKeepsTheSegmentsOfTheMessagesAfterIt() throws IOException {
        JournalConfig small = JournalConfig.defaults().withSegmentBytes(4096).withMaxRecordBytes(1024);
        JournalMessageStore s = storeWithACutOffMessage(small);
        for (int i = 3; i <= 52; i++) {
            s.append("cut", bytes("not yet acknowledged " + i)).join();
        }
        fillAndTrim(s);
        assertThat(s.readAfter("cut", 1, 100).join())
                .hasSize(51)
                .filteredOn(StoredMessage::lost)
                .hasSize(1);
        JournalMessageStore reopened = reopen(small);
        assertThat(reopened.readAfter("cut", 1, 100).join())
                .hasSize(51)
                .filteredOn(StoredMessage::lost)
                .hasSize(1);
    }

    @Test
    void acknowledgedMessagesDamagedBeyondRecognitionAreAnnouncedAndTheirSeqsNotReused() throws IOException {
        MessageStore s = open("journal");
        s.subscribe("a", "news").join();
        s.subscribe("b", "news").join();
        s.subscribe("c", "news").join();
        for (int i = 1; i <= 3; i++) {
            s.append("news", bytes("GONE-" + i)).join();
        }
        s.commit("c", "news", 2).join();
        s.commit("a", "news", 3).join(); // a received and acknowledged all three, c two, b none
        s.append("other", bytes("an intact record after them")).join();
        store.close(); // persists a's cursor
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment =
                    files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] file = Files.readAllBytes(segment);
        String text = new String(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int i = 1; i <= 3; i++) {
            // the record kind before "news", seq, time and length: the record no longer reads as a message
            file[text.indexOf("GONE-" + i) - 27] = 0x7F;
        }
        Files.write(segment, file);

        JournalMessageStore again = reopen(JournalConfig.defaults());
        assertThat(again.journal().corruptions()).isNotEmpty();
        assertThat(again.readAfter("news", 0, 10).join())
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(3L, true));
        StoredMessage next = again.append("news", bytes("next")).join();
        assertThat(next.seq()).isEqualTo(4);

        JournalMessageStore reopened = reopen(JournalConfig.defaults());
        assertThat(reopened.readAfter("news", 0, 10).join())
                .extracting(StoredMessage::seq, StoredMessage::lost)
                .containsExactly(tuple(3L, true), tuple(4L, false));
    }
}
