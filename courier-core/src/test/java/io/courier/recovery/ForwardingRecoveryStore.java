package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/** For tests: a store that hands every call to {@code inner}; a subclass changes the one it is about. */
public abstract class ForwardingRecoveryStore implements RecoveryStore {
    protected final RecoveryStore inner;

    protected ForwardingRecoveryStore(RecoveryStore inner) {
        this.inner = inner;
    }

    @Override
    public CompletionStage<LoggedPacket> append(
            String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
        return inner.append(namespace, rooms, except, data);
    }

    @Override
    public CompletionStage<Void> save(SavedSession session) {
        return inner.save(session);
    }

    @Override
    public CompletionStage<Optional<Restored>> restore(String pid, String offset) {
        return inner.restore(pid, offset);
    }

    @Override
    public CompletionStage<Optional<SavedSession>> restorable(String pid, String offset) {
        return inner.restorable(pid, offset);
    }

    @Override
    public CompletionStage<Void> expire() {
        return inner.expire();
    }

    @Override
    public CompletionStage<Optional<SavedSession>> session(String pid) {
        return inner.session(pid);
    }
}
