package io.courier.interop.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one client scenario: a script of {@code src/test/js} with Node and the official {@code socket.io-client}
 * ({@link #of}), or of {@code src/test/python} with Debian's {@code python3-socketio} ({@link #python}). A scenario
 * prints progress lines with a {@code "phase"} key and exactly one final JSON line with an {@code "ok"} key, then
 * exits.
 */
public final class ClientScript {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path NODE_DIR = Path.of("src/test/js");
    private static final Path PYTHON_DIR = Path.of("src/test/python");
    /** Debian's Python, which python3-socketio is installed for (a python3 earlier on the PATH may lack it). */
    private static final String PYTHON = "/usr/bin/python3";

    private final List<String> command;
    private final Path dir;
    private final Installed installed;
    private final Map<String, String> env = new HashMap<>();
    private Duration timeout = Duration.ofSeconds(60);
    private Consumer<JsonNode> onPhase = phase -> {};

    private ClientScript(List<String> command, Path dir, Installed installed) {
        this.command = command;
        this.dir = dir;
        this.installed = installed;
    }

    /** Fails with what to install when the scenario's client library is missing. */
    private interface Installed {
        void check() throws IOException, InterruptedException;
    }

    /** A Node scenario of {@code src/test/js}. */
    public static ClientScript of(String script) {
        return new ClientScript(List.of("node", script), NODE_DIR, () -> {
            if (!Files.isDirectory(NODE_DIR.resolve("node_modules/socket.io-client"))) {
                throw new IllegalStateException("npm packages missing in " + NODE_DIR.toAbsolutePath()
                        + ": run ./courier test (it runs npm ci there) or npm ci in that folder");
            }
        });
    }

    /** A Python scenario of {@code src/test/python}, run with python-socketio (Debian's {@code python3-socketio}). */
    public static ClientScript python(String script) {
        ClientScript python = new ClientScript(List.of(PYTHON, script), PYTHON_DIR, () -> {
            Process check = new ProcessBuilder(PYTHON, "-c", "import socketio, websocket, requests")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (check.waitFor() != 0) {
                throw new IllegalStateException(PYTHON + " cannot import socketio, websocket and requests: install"
                        + " Debian's python3-socketio python3-websocket python3-requests (bash .ci/run does)");
            }
        });
        return python.env("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ of scenario.py in the source tree
    }

    public ClientScript env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public ClientScript timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Called on the reader thread for every progress line. */
    public ClientScript onPhase(Consumer<JsonNode> onPhase) {
        this.onPhase = onPhase;
        return this;
    }

    /** Runs the script to its end; the result holds the final line and everything printed, for assertion messages. */
    public Result run() throws IOException, InterruptedException {
        installed.check();
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        pb.redirectErrorStream(false);
        Process p = pb.start();
        StringBuilder stderr = new StringBuilder();
        Thread errReader = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), stderr));
        List<String> lines = new ArrayList<>();
        JsonNode[] last = new JsonNode[1];
        Thread outReader = Thread.ofVirtual().start(() -> {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    JsonNode node = parse(line);
                    if (node != null && node.has("phase") && !node.has("ok")) {
                        onPhase.accept(node);
                    } else if (node != null && node.has("ok")) {
                        last[0] = node;
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        outReader.join();
        errReader.join(1000);
        String stdout;
        synchronized (lines) {
            stdout = String.join("\n", lines);
        }
        return new Result(last[0], finished ? p.exitValue() : -1, stdout, stderr.toString());
    }

    private static JsonNode parse(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static void copy(java.io.InputStream in, StringBuilder into) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (into) {
                    into.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** What a scenario reported. */
    public record Result(JsonNode result, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return result != null && result.path("ok").asBoolean(false) && exitCode == 0;
        }

        /** A readable account for assertion messages. */
        public String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }
}
