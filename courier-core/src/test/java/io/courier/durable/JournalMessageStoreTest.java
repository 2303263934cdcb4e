package io.courier.durable;

import io.courier.journal.JournalConfig;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;

/** The {@link MessageStore} contract on the embedded journal store ({@code MessageStoreTest}: what only it promises). */
class JournalMessageStoreTest extends MessageStoreContract {
    @TempDir
    Path dir;

    @Override
    protected MessageStore openStore(Function<String, Retention> retention, StoreLimits limits) throws Exception {
        return JournalMessageStore.open(dir, JournalConfig.defaults(), retention, limits);
    }
}
