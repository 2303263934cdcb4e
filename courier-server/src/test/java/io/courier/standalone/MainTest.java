package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code courier} prints and returns for each kind of mistake: one line, naming where the bad value came from. */
class MainTest {
    @TempDir
    Path dir;

    /** One run of {@link Main#launch}: its status, stdout and stderr; a server it started is closed. */
    private record Run(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Launched launched;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            launched = Main.launch(List.of(args), env, o, e);
        }
        if (launched.server() != null) {
            launched.server().close();
        }
        return new Run(launched.exitCode(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    @Test
    void anUnknownOptionIsOneLineNotAUsageDump() throws Exception {
        Run r = run("--prot", "3000");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("courier: unknown option --prot (courier --help lists the options)");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aBadValueNamesTheFlag() throws Exception {
        Run r = run("--port", "http");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("courier: --port http: expected a port number, 0-65535");
    }

    @Test
    void aBadPathNamesItsSource() throws Exception {
        Run flag = run("--path", "/io?x");
        assertThat(flag.status()).isEqualTo(2);
        assertThat(flag.errLines()).containsExactly("courier: --path /io?x: expected a path such as /socket.io/");
        Run env = run(Map.of("COURIER_PATH", " "));
        assertThat(env.errLines()).containsExactly("courier: COURIER_PATH= : expected a path such as /socket.io/");
    }

    @Test
    void aFlagWithoutItsValueSaysSo() throws Exception {
        Run r = run("--data", "--port", "0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("courier: --data needs a value");
    }

    @Test
    void aBadValueNamesTheEnvironmentVariable() throws Exception {
        Run r = run(Map.of("COURIER_PORT", "80a"));
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("courier: COURIER_PORT=80a: expected a port number, 0-65535");
    }

    @Test
    void aBadValueNamesTheConfigFileAndTheKey() throws Exception {
        Path file = Files.writeString(dir.resolve("courier.yml"), "port: 70000\n");
        Run r = run(Map.of("COURIER_CONFIG", file.toString()));
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("courier: " + file + ": port: 70000: expected a port number, 0-65535");
    }

    @Test
    void yamlThatDoesNotParseIsOneLineWithTheFileAndLine() throws Exception {
        Path file = Files.writeString(dir.resolve("courier.yml"), "port: 3000\n  host: x\n");
        Run r = run("--config", file.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString().startsWith("courier: " + file + ":2: not valid YAML: ");
    }

    @Test
    void aMissingConfigFileIsNotFound() throws Exception {
        Path missing = dir.resolve("nope.yml");
        Run flag = run("--config", missing.toString());
        assertThat(flag.status()).isEqualTo(2);
        assertThat(flag.errLines()).containsExactly("courier: config file " + missing + " (--config) not found");
        Run env = run(Map.of("COURIER_CONFIG", missing.toString()));
        assertThat(env.errLines()).containsExactly("courier: config file " + missing + " (COURIER_CONFIG) not found");
    }

    @Test
    void aDataDirectoryThatIsAFileIsOneLineNamingTheFlag() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a directory");
        Run r = run("--port", "0", "--data", file.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.errLines())
                .containsExactly("courier: cannot use the data directory " + file + " (--data): "
                        + file.resolve("queues") + ": Not a directory");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aDataDirectoryFromTheConfigFileNamesTheFileAndKey() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a directory");
        Path config = Files.writeString(dir.resolve("courier.yml"), "port: 0\ndata: " + file + "\n");
        Run r = run("--config", config.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.errLines())
                .singleElement()
                .asString()
                .startsWith("courier: cannot use the data directory " + file + " (" + config + ": data): ");
    }

    @Test
    void aPortInUseIsOneLineAndStatus1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = String.valueOf(taken.getLocalPort());
            Run r = run("--host", "127.0.0.1", "--port", port, "--data", dir.toString());
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.errLines())
                    .containsExactly("courier: cannot listen on 127.0.0.1:" + port
                            + " (--host, --port): address already in use (is another server running there?)");
            assertThat(r.out()).isEmpty();
            Run conformance = run("conformance", "--host", "127.0.0.1", "--port", port);
            assertThat(conformance.status()).isEqualTo(1);
            assertThat(conformance.errLines()).singleElement().asString().startsWith("courier: cannot listen on ");
        }
    }

    @Test
    void helpIsTheUsageOnStdoutAndNamesNoMissingDocument() throws Exception {
        Run r = run("--help");
        assertThat(r.status()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Usage: courier").doesNotContain(".md");
    }

    @Test
    void aGoodCommandLineStartsTheServerAndPrintsOneStartUpLine() throws Exception {
        Run r = run("--host", "127.0.0.1", "--port", "0", "--data", dir.toString());
        assertThat(r.status()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines().toList())
                .singleElement()
                .asString()
                .startsWith("Courier listening on http://127.0.0.1:");
    }

    @Test
    void theParserComesFromTheFlagTheEnvironmentOrTheFile() throws Exception {
        Run flag = run("--host", "127.0.0.1", "--port", "0", "--data", dir.toString(), "--parser", "msgpack");
        assertThat(flag.status()).as(flag.err()).isZero();
        assertThat(flag.out()).contains("(Socket.IO at /socket.io/ with the msgpack parser,");
        assertThat(run("--parser", "cbor").errLines())
                .containsExactly("courier: --parser cbor: unknown parser 'cbor' (expected: default or msgpack)");
        assertThat(run(Map.of("COURIER_PARSER", "json5")).errLines())
                .containsExactly(
                        "courier: COURIER_PARSER=json5: unknown parser 'json5' (expected: default or msgpack)");
        Path file = Files.writeString(dir.resolve("courier.yml"), "parser: protobuf\n");
        assertThat(run("--config", file.toString()).errLines())
                .containsExactly(
                        "courier: " + file + ": parser: unknown parser 'protobuf' (expected: default or msgpack)");
    }

    @Test
    void perMessageDeflateIsNegotiatedOnlyWhenTurnedOn() throws Exception {
        assertThat(upgradeExtensions("--per-message-deflate")).isEqualTo("permessage-deflate");
        assertThat(upgradeExtensions("--per-message-deflate", "--no-per-message-deflate"))
                .isNull();
        assertThat(upgradeExtensions()).as("off by default").isNull();
    }

    /** Starts a hub with {@code flags}, offers permessage-deflate in a WebSocket upgrade, returns what it answered. */
    private String upgradeExtensions(String... flags) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--data"));
        args.add(Files.createTempDirectory(dir, "data").toString());
        args.addAll(List.of(flags));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Main.Launched launched;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            launched = Main.launch(args, Map.of(), o, System.err);
        }
        assertThat(launched.server()).as("started: %s", out).isNotNull();
        try (AutoCloseable server = launched.server()) {
            java.util.regex.Matcher port = java.util.regex.Pattern.compile("127\\.0\\.0\\.1:(\\d+)")
                    .matcher(out.toString(StandardCharsets.UTF_8));
            assertThat(port.find()).isTrue();
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", Integer.parseInt(port.group(1)))) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream()
                        .write(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n"
                                        + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                        + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                java.io.BufferedReader in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                assertThat(in.readLine()).startsWith("HTTP/1.1 101");
                String extensions = null;
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-extensions:")) {
                        extensions = line.substring(line.indexOf(':') + 1).trim();
                    }
                }
                return extensions;
            }
        }
    }
}
