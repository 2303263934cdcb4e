package io.courier.durable;

import java.util.function.Function;

/** The {@link MessageStore} contract on the in-memory store. */
class InMemoryMessageStoreTest extends MessageStoreContract {
    @Override
    protected MessageStore openStore(Function<String, Retention> retention, StoreLimits limits) {
        return new InMemoryMessageStore(retention, limits);
    }
}
