package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as the README tells operators to run it: the tarball the package phase made, unpacked, and its
 * {@code bin/courier-server} started with nothing but {@code JAVA_HOME}; the script reads {@code conf/courier.yml} and
 * refuses a Java older than 21 in one line.
 */
class DistributionIT {
    private static final Pattern LISTENING = Pattern.compile("^Courier listening on (http://127\\.0\\.0\\.1:\\d+) ");
    /** Readers block: not on the common pool, which has a single thread on a 2-core machine. */
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path dir;

    private Path home;

    @BeforeEach
    void unpack() throws Exception {
        Path tarball;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            tarball = files.filter(f -> f.getFileName().toString().endsWith("-dist.tar.gz"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no target/*-dist.tar.gz: built by the package phase"));
        }
        Process tar = new ProcessBuilder("tar", "xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue())
                .as(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        String name = tarball.getFileName().toString().replace("-dist.tar.gz", "");
        home = dir.resolve(name);
    }

    @Test
    void holdsTheScriptTheJarAndAConfiguration() throws IOException {
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/courier-server")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        assertThat(home.resolve("lib/courier-server.jar")).isRegularFile();
        assertThat(Files.readString(home.resolve("conf/courier.yml"))).contains("port: 3000");
    }

    @Test
    void startsWithItsOwnConfigurationAndStopsOnSigterm() throws Exception {
        Path data = dir.resolve("queues-here");
        // the shipped file says port 3000; this run's file says any free port, so that the test shows it is read
        Files.writeString(home.resolve("conf/courier.yml"), "port: 0\nhost: 127.0.0.1\ndata: " + data + "\n");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(
                        home.resolve("bin/courier-server").toString())
                .directory(dir.toFile())
                .redirectError(stderr.toFile());
        environment(pb, Map.of("JAVA_HOME", javaHome().toString()));
        Process p = pb.start();
        try {
            String first = firstLine(p);
            Matcher m = LISTENING.matcher(first);
            assertThat(m.find()).as(first).isTrue();
            assertThat(first).contains("durable queues in " + data);
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(m.group(1) + "/healthz"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            p.destroy(); // SIGTERM reaches the JVM itself: the script exec'd it
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("a clean stop").isIn(0, 143);
            assertThat(data).isDirectory();
            assertThat(Files.readAllLines(stderr)).noneMatch(line -> line.startsWith("WARNING"));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void refusesAJavaOlderThan21InOneLine() throws Exception {
        Path oldJdk = dir.resolve("jdk-17");
        Files.createDirectories(oldJdk.resolve("bin"));
        Path java = oldJdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb =
                new ProcessBuilder(home.resolve("bin/courier-server").toString(), "--port", "0");
        environment(pb, Map.of("JAVA_HOME", oldJdk.toString()));
        Process p = pb.start();
        CompletableFuture<String> out = read(p.getInputStream());
        CompletableFuture<String> err = read(p.getErrorStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(err.get(10, TimeUnit.SECONDS).lines().toList())
                .containsExactly(
                        "courier-server: " + java + " is Java 17.0.15; Courier needs Java 21 or newer (set JAVA_HOME)");
    }

    private static void environment(ProcessBuilder pb, Map<String, String> env) {
        pb.environment().keySet().removeIf(k -> k.startsWith("COURIER_") || k.equals("JAVA_OPTS"));
        pb.environment().putAll(env);
    }

    /** The home of the JVM running this test, a JDK 21+ (the build needs one). */
    private static Path javaHome() {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        return java.getParent().getParent();
    }

    private static String firstLine(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return String.valueOf(out.readLine());
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        },
                        READERS)
                .get(60, TimeUnit.SECONDS); // hang guard
    }

    private static CompletableFuture<String> read(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                READERS);
    }
}
