package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A standalone hub in a cluster, launched in-process with {@link Main#launch} on a free port with {@code --redis}:
 * it can be closed and launched again on the same port, data directory, Redis and key, as a node that restarts.
 */
final class ClusterHub implements AutoCloseable {
    final int port;
    private final Path data;
    private final RedisServer redis;
    private final String key;
    private AutoCloseable server;

    ClusterHub(Path data, RedisServer redis, String key) {
        this.port = freePort();
        this.data = data.resolve("node-" + port);
        this.redis = redis;
        this.key = key;
    }

    /** Launches it (again) and returns once it listens. */
    ClusterHub launch() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Launched launched = Main.launch(
                List.of(
                        "--port",
                        String.valueOf(port),
                        "--data",
                        data.toString(),
                        "--redis",
                        redis.uri(),
                        "--redis-key",
                        key),
                Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(launched.server())
                .as("exit %s: %s", launched.exitCode(), err)
                .isNotNull();
        server = launched.server();
        return this;
    }

    /** Closes the launched server (a clean shutdown); {@link #launch} starts it again. */
    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
