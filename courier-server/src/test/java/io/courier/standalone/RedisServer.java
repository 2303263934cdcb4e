package io.courier.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of a test's own, on a free port in a temporary directory (no persistence), started and stopped
 * by its PID, so that a test may stop it, kill it or start it again on the same port without touching the shared Redis
 * on 6379.
 */
final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    RedisServer() throws IOException {
        this.port = freePort();
        this.dir = Files.createTempDirectory("courier-redis-");
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again) on its port and waits until it accepts connections. */
    RedisServer start() throws Exception {
        process = new ProcessBuilder(List.of(
                        "redis-server",
                        "--port",
                        String.valueOf(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toString(),
                        "--save",
                        "",
                        "--appendonly",
                        "no"))
                .redirectOutput(dir.resolve("redis.log").toFile())
                .redirectErrorStream(true)
                .start();
        for (int i = 0; i < 500; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return this;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "redis-server exited: " + Files.readString(dir.resolve("redis.log")));
                }
                Thread.sleep(10);
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port);
    }

    /** SIGKILL, and waits until it is gone: its clients see their connections reset. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("redis-server did not die");
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            kill();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
