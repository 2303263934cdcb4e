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
    private final List<String> persistence;
    private Process process;

    /** Without persistence: a restart starts empty. */
    RedisServer() throws IOException {
        this(List.of("--save", "", "--appendonly", "no"));
    }

    /** With these persistence settings, e.g. {@code --appendonly yes --appendfsync always}. */
    RedisServer(List<String> persistence) throws IOException {
        this.port = freePort();
        this.dir = Files.createTempDirectory("courier-redis-");
        this.persistence = List.copyOf(persistence);
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again) on its port and waits until it accepts connections. */
    RedisServer start() throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                "redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString()));
        command.addAll(persistence);
        process = new ProcessBuilder(command)
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

    /** SIGSTOP (true) or SIGCONT (false): a Redis that stops answering without closing its connections. */
    void pause(boolean stop) throws Exception {
        Process kill = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", String.valueOf(process.pid()))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill " + (stop ? "-STOP" : "-CONT") + " failed");
        }
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
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
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
