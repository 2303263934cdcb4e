package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it ({@code java -jar courier-server.jar}, no JVM flags): a mistake is one line on
 * stderr and an exit status, never a usage dump or a stack trace; a good start prints one line on stdout and nothing
 * on stderr (no "restricted method" warning: the manifest grants native access).
 */
class CommandLineIT {
    private static final Path JAR = Path.of("target/courier-server.jar");
    /** Readers block: not on the common pool, which has a single thread on a 2-core machine. */
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path dir;

    private record Exit(int status, List<String> out, List<String> err) {}

    private static Process start(Map<String, String> env, String... args) throws IOException {
        return start(null, env, args);
    }

    /** Starts the jar; with {@code stderr}, its standard error goes to that file. */
    private static Process start(Path stderr, Map<String, String> env, String... args) throws IOException {
        assertThat(JAR).as("built by the package phase").exists();
        List<String> command = new ArrayList<>(
                List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_"));
        pb.environment().putAll(env);
        if (stderr != null) {
            pb.redirectError(stderr.toFile());
        }
        return pb.start();
    }

    private static Exit run(Map<String, String> env, String... args) throws Exception {
        Process p = start(env, args);
        CompletableFuture<List<String>> out = lines(p.getInputStream());
        CompletableFuture<List<String>> err = lines(p.getErrorStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) { // hang guard
            p.destroyForcibly();
            throw new AssertionError("courier did not exit: " + err.getNow(List.of()));
        }
        return new Exit(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static CompletableFuture<List<String>> lines(InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        return r.lines().toList();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                READERS);
    }

    @Test
    void anUnknownOptionIsOneLineAndStatus2() throws Exception {
        Exit e = run(Map.of(), "--prot", "3000");
        assertThat(e.status()).isEqualTo(2);
        assertThat(e.err()).containsExactly("courier: unknown option --prot (courier --help lists the options)");
        assertThat(e.out()).isEmpty();
    }

    @Test
    void aBadEnvironmentVariableIsNamed() throws Exception {
        Exit e = run(Map.of("COURIER_PORT", "eighty"));
        assertThat(e.status()).isEqualTo(2);
        assertThat(e.err()).containsExactly("courier: COURIER_PORT=eighty: expected a port number, 0-65535");
    }

    @Test
    void aMissingConfigFileIsNotFound() throws Exception {
        Path missing = dir.resolve("courier.yml");
        Exit e = run(Map.of(), "--config", missing.toString());
        assertThat(e.status()).isEqualTo(2);
        assertThat(e.err()).containsExactly("courier: config file " + missing + " (--config) not found");
    }

    @Test
    void aBadDataDirectoryIsOneLineNotAStackTrace() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Exit e = run(Map.of(), "--port", "0", "--data", file.toString());
        assertThat(e.status()).isEqualTo(1);
        assertThat(e.err())
                .containsExactly("courier: cannot use the data directory " + file + " (--data): "
                        + file.resolve("queues") + ": Not a directory");
        assertThat(e.out()).isEmpty();
    }

    @Test
    void aGoodStartIsOneLineOnStdoutAndNoWarning() throws Exception {
        // stderr to a file, read once the process is gone: a reader still blocked on the pipe when the process exits
        // can
        // fail with "Stream closed" (the JDK drains and closes the pipe as the process ends), as it did once under load
        Path stderr = dir.resolve("stderr.txt");
        Process p = start(
                stderr,
                Map.of(),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data",
                dir.resolve("data").toString());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return out.readLine();
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            },
                            READERS)
                    .get(60, TimeUnit.SECONDS); // hang guard
            assertThat(first).startsWith("Courier listening on http://127.0.0.1:");
            p.destroy(); // SIGTERM: the shutdown hook closes the server
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(java.nio.file.Files.readAllLines(stderr))
                    .as("stderr: at most log lines, no JVM warning, no escape codes")
                    .noneMatch(line -> line.startsWith("WARNING") || line.contains("\u001b["));
        } finally {
            p.destroyForcibly();
        }
    }
}
