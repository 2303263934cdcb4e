package io.courier.interop.support;

import io.courier.standalone.ConformanceServer;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * A server that a test can stop and start again on the same port (for instance when a Node scenario prints a
 * phase line), keeping any failure of the restart for the test to assert.
 */
public final class RestartableServer implements AutoCloseable {
    private final IntFunction<ConformanceServer> start;
    private final AtomicReference<ConformanceServer> current = new AtomicReference<>();
    private final AtomicReference<Throwable> restartFailure = new AtomicReference<>();
    private final int port;

    /** Starts the first server on a free port; {@code start} maps a port to a started server. */
    public RestartableServer(IntFunction<ConformanceServer> start) {
        this.start = start;
        current.set(start.apply(0));
        this.port = current.get().port();
    }

    public int port() {
        return port;
    }

    /** Closes the running server and starts a new one on the same port; safe from a script's reader thread. */
    public void restart() {
        try {
            current.getAndSet(null).close();
            current.set(start.apply(port));
        } catch (Throwable t) {
            restartFailure.set(t);
        }
    }

    /** A phase listener for {@link ClientScript#onPhase} that restarts the server when a script prints {@code phase}. */
    public java.util.function.Consumer<com.fasterxml.jackson.databind.JsonNode> restartOn(String phase) {
        return line -> {
            if (line.path("phase").asText().equals(phase)) {
                restart();
            }
        };
    }

    /** What went wrong in {@link #restart()}, or null. */
    public Throwable restartFailure() {
        return restartFailure.get();
    }

    @Override
    public void close() {
        ConformanceServer s = current.getAndSet(null);
        if (s != null) {
            s.close();
        }
    }
}
