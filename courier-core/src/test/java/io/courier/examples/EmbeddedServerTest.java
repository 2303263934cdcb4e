package io.courier.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.courier.Courier;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The README's embedded example: the README shows {@link ChatServer} as it is (a whole file, imports included) and the
 * Maven coordinates of this version; it starts, answers a handshake, serves the client bundle, says that it started,
 * and stops.
 */
class EmbeddedServerTest {
    private static final Path README = Path.of("../README.md");
    private static final Path EXAMPLE = Path.of("src/test/java/io/courier/examples/ChatServer.java");
    private static final Pattern FENCED = Pattern.compile("(?ms)^```(\\w+)\\n(.*?)^```$");

    /** The first fenced block of {@code language} in the README that contains {@code marker}. */
    private static String readmeBlock(String language, String marker) throws Exception {
        Matcher m = FENCED.matcher(Files.readString(README));
        while (m.find()) {
            if (m.group(1).equals(language) && m.group(2).contains(marker)) {
                return m.group(2);
            }
        }
        throw new AssertionError("README.md has no ```" + language + " block with " + marker);
    }

    @Test
    void theReadmeShowsTheExampleFileAsItIs() throws Exception {
        String source = Files.readString(EXAMPLE);
        String withoutPackage = source.replaceFirst("\\Apackage io\\.courier\\.examples;\\n\\n", "");
        assertThat(withoutPackage)
                .as("the package line is all the README leaves out")
                .isNotEqualTo(source);
        assertThat(readmeBlock("java", "public class ChatServer")).isEqualTo(withoutPackage);
    }

    @Test
    void theReadmeNamesTheCoordinatesOfThisVersion() throws Exception {
        Matcher version = Pattern.compile("<artifactId>courier-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("../pom.xml")));
        assertThat(version.find()).isTrue();
        assertThat(readmeBlock("xml", "<artifactId>courier-core</artifactId>"))
                .contains("<groupId>io.courier</groupId>")
                .contains("<version>" + version.group(1) + "</version>");
    }

    @Test
    void theExampleStartsServesAndSaysSoThroughSlf4j() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(Courier.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (Courier io = ChatServer.start(0);
                HttpClient http = HttpClient.newHttpClient()) {
            assertThat(logged.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .contains("Courier listening on http://0.0.0.0:" + io.port() + " (Socket.IO at /socket.io/)");

            String base = "http://127.0.0.1:" + io.port() + "/socket.io/";
            HttpResponse<String> handshake = http.send(
                    HttpRequest.newBuilder(URI.create(base + "?EIO=4&transport=polling"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(handshake.statusCode()).isEqualTo(200);
            assertThat(handshake.body()).startsWith("0{\"sid\":\"");

            HttpResponse<String> bundle = http.send(
                    HttpRequest.newBuilder(URI.create(base + "socket.io.min.js"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bundle.statusCode()).isEqualTo(200);
            assertThat(bundle.headers().firstValue("content-type")).hasValue("application/javascript; charset=utf-8");
            assertThat(bundle.body()).contains("Socket.IO v4.8.4");
        } finally {
            logger.detachAppender(logged);
        }
    }

    /** An application without an SLF4J provider (logback left off the class path) still sees the start-up line. */
    @Test
    void withoutAnSlf4jProviderTheStartUpLineGoesToSystemLogger() throws Exception {
        List<String> classPath = new ArrayList<>(
                Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator)));
        assertThat(classPath.removeIf(entry -> entry.contains("logback"))).isTrue();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        String.join(File.pathSeparator, classPath),
                        ChatServerOnAnyPort.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        // no try-with-resources: closing the reader would wait for the blocked readLine; killing the child ends it
        BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<String> startUp = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = err.readLine()) != null) {
                    lines.add(line);
                    if (line.contains("Courier listening on")) {
                        return line;
                    }
                }
                return null;
            } catch (Exception e) {
                return null; // the child was killed
            }
        });
        try {
            String line = startUp.get(60, TimeUnit.SECONDS); // hang guard
            assertThat(line).as(String.join("\n", lines)).isNotNull();
            assertThat(line)
                    .matches(
                            "INFO: Courier listening on http://0\\.0\\.0\\.0:\\d+ \\(Socket\\.IO at /socket\\.io/\\); .*"
                                    + "add one \\(e\\.g\\. ch\\.qos\\.logback:logback-classic\\) to see its other logs");
        } catch (TimeoutException e) {
            throw new AssertionError("no start-up line within 60 s; stderr so far:\n" + String.join("\n", lines));
        } finally {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            err.close();
        }
    }
}
