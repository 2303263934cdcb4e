package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The README's example of the hub's client protocol, exactly as the README shows it: its JavaScript (connect, the
 * {@code pickup} handler, subscribe, publish) runs in Node with the official client against the standalone server,
 * then the README's first {@code curl} publishes with two arguments. The handler must show both deliveries with what
 * was published and acknowledge them. Run twice: with the example's handler, and with the README's handler that
 * acknowledges a batch at once ({@code cumulative: true}, at half the hub's window or 100 ms after the first) in its
 * place.
 */
class HubDeliveriesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path README = Path.of("../README.md");
    private static final Pattern FENCED = Pattern.compile("(?ms)^```(\\w+)\\n(.*?)^```$");

    /** The example's {@code pickup} handler: from its first line to the line that closes it. */
    private static final Pattern PICKUP_HANDLER = Pattern.compile("(?ms)^socket\\.on\\(\"pickup\".*?^\\}\\);$");

    @ParameterizedTest(name = "over {0}, {1} acks")
    @CsvSource({"websocket, one-by-one", "polling, one-by-one", "websocket, cumulative", "polling, cumulative"})
    void theReadmeHandlerGetsWhatTheReadmeCurlPublishesAndAcknowledgesIt(
            String transports, String acks, @org.junit.jupiter.api.io.TempDir Path data) throws Exception {
        String readme = Files.readString(README);
        String client = block(readme, "js", "socket.on(\"pickup\"");
        if (acks.equals("cumulative")) {
            Matcher handler = PICKUP_HANDLER.matcher(client);
            assertThat(handler.find())
                    .as("the example's pickup handler in " + client)
                    .isTrue();
            String batching = block(readme, "js", "cumulative: true");
            client = client.substring(0, handler.start()) + batching + client.substring(handler.end());
        }
        String curl = firstCommand(block(readme, "sh", "/api/publish"), "curl");
        try (ServerProcess server = new ServerProcess(data, "--api-key", "KEY")) {
            ClientScript.Result r = ClientScript.of("hub-deliveries.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", transports)
                    .env("README_CLIENT", client)
                    .env("README_CURL", curl)
                    .timeout(Duration.ofSeconds(60))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            JsonNode shown = r.result().path("shown");
            assertThat(shown).as(r.describe()).hasSize(2);
            assertThat(shown.get(0).get(0)).as("the socket's publish").isEqualTo(JSON.readTree("[{\"parcel\":17}]"));
            assertThat(shown.get(1).get(0))
                    .as("the curl's publish, with its two arguments")
                    .isEqualTo(JSON.readTree("[{\"parcel\":17},\"fragile\"]"));
            assertThat(shown.get(1).get(1).asText())
                    .isEqualTo(r.result().path("published").path("id").asText());

            // both were acknowledged: the channel keeps no message (checked until the store's maintenance ran)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // hang guard
            JsonNode stats = stats(server.port());
            while (stats.path("messages").asLong() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                stats = stats(server.port());
            }
            assertThat(stats.path("messages").asLong()).as(stats.toString()).isZero();
            assertThat(stats.path("lastSeq").asLong()).isEqualTo(2);
        }
    }

    private static JsonNode stats(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/channels/parcels"))
                                .header("Authorization", "Bearer KEY")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The first fenced block of {@code language} in {@code markdown} that contains {@code marker}. */
    static String block(String markdown, String language, String marker) {
        Matcher m = FENCED.matcher(markdown);
        while (m.find()) {
            if (m.group(1).equals(language) && m.group(2).contains(marker)) {
                return m.group(2);
            }
        }
        throw new AssertionError("README.md has no ```" + language + " block with " + marker);
    }

    /** The first command of a shell block that starts with {@code name}, its continuation lines included. */
    static String firstCommand(String shell, String name) {
        List<String> command = new ArrayList<>();
        for (String line : shell.lines().toList()) {
            if (command.isEmpty() && !line.startsWith(name + " ")) {
                continue;
            }
            command.add(line);
            if (!line.endsWith("\\")) {
                break;
            }
        }
        assertThat(command).as("a " + name + " command").isNotEmpty();
        return String.join("\n", command);
    }
}
