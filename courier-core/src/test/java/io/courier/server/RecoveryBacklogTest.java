package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.courier.Courier;
import io.courier.CourierException;
import io.courier.recovery.ForwardingRecoveryStore;
import io.courier.recovery.LoggedPacket;
import io.courier.recovery.RecoveryStore;
import io.courier.recovery.RecoveryStoreFactory;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A recovery store that stops answering: emits wait in the outbox up to its bound, then fail at the call site. */
class RecoveryBacklogTest {
    private Courier io;

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
    }

    @Test
    void pastTheOutboxBoundAnEmitThrowsAndNothingIsSent() {
        Queue<CompletableFuture<LoggedPacket>> unanswered = new ConcurrentLinkedQueue<>();
        io = Courier.create(c -> c.host("127.0.0.1")
                .port(0)
                // turns resume on the thread that completes their stage: the test's own
                .handlerExecutor(Runnable::run)
                .connectionStateRecovery(r -> r.store(
                        settings -> new Silent(RecoveryStoreFactory.inMemory().open(settings), unanswered))));
        for (int i = 0; i < SocketIoRuntime.RECOVERY_OUTBOX_BOUND; i++) {
            assertThat(io.to("r").emit("n", i)).isTrue();
        }
        assertThatThrownBy(() -> io.to("r").emit("n", "one too many"))
                .isInstanceOf(CourierException.class)
                .hasMessageContaining("65536 emits and restores are waiting for the recovery store")
                .hasMessageContaining("not sent");
        assertThat(unanswered).hasSize(SocketIoRuntime.RECOVERY_OUTBOX_BOUND);

        unanswered.forEach(f -> f.completeExceptionally(new IllegalStateException("store unreachable")));
        assertThat(io.to("r").emit("n", "room again"))
                .as("the failed appends were fanned out in their turns (without offsets), which freed the outbox")
                .isTrue();
    }

    /** Never answers an append; the rest goes to the in-memory store. */
    private static final class Silent extends ForwardingRecoveryStore {
        private final Queue<CompletableFuture<LoggedPacket>> unanswered;

        Silent(RecoveryStore inner, Queue<CompletableFuture<LoggedPacket>> unanswered) {
            super(inner);
            this.unanswered = unanswered;
        }

        @Override
        public CompletionStage<LoggedPacket> append(
                String namespace, Set<String> rooms, Set<String> except, ArrayNode data) {
            CompletableFuture<LoggedPacket> f = new CompletableFuture<>();
            unanswered.add(f);
            return f;
        }
    }
}
