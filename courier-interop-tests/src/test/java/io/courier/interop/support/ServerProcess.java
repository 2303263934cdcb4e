package io.courier.interop.support;

import io.courier.standalone.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The standalone server ({@link Main}) in a child JVM on a fixed port and data directory, so that a test can kill it
 * with SIGKILL and start it again: what a crash does, not what a clean shutdown does.
 */
public final class ServerProcess implements AutoCloseable {
    private final Path data;
    private final int port;
    private final List<String> extraArgs;
    private final List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Process process;

    public ServerProcess(Path data, String... extraArgs) {
        this.data = data;
        this.port = freePort();
        this.extraArgs = List.of(extraArgs);
        start();
    }

    public int port() {
        return port;
    }

    /** Kills the process with SIGKILL (no shutdown hook runs) and waits until it is gone. */
    public void killNine() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("server process did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops the server with SIGTERM (its shutdown hook runs) and waits for it to exit.
     *
     * @return the exit code
     */
    public int stop() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("server process did not stop within 30 s of SIGTERM");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What every process started so far printed on stdout (logs included), up to 10,000 lines. */
    public List<String> output() {
        return List.copyOf(output);
    }

    /** Starts the server and waits for its start-up line. */
    public void start() {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                // Netty loads its epoll library: without this JDK 24+ prints a "restricted method" warning
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--data",
                data.toString()));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        try {
            line = CompletableFuture.supplyAsync(() -> {
                        try {
                            String l;
                            while ((l = out.readLine()) != null && !l.startsWith("Courier listening")) {
                                keep(l); // log lines before the start-up line
                            }
                            return l;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("server process did not start", e);
        }
        if (line == null) {
            process.destroyForcibly();
            throw new IllegalStateException("server process exited before it started listening");
        }
        keep(line);
        // keep draining stdout so the child never blocks on a full pipe
        Thread.ofVirtual().start(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) {
                    keep(l);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    private void keep(String line) {
        if (output.size() < 10_000) {
            output.add(line);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            killNine();
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
