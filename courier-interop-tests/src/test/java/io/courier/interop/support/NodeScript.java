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
 * Runs one scenario of {@code src/test/js} with Node and the official {@code socket.io-client}. A scenario prints
 * progress lines with a {@code "phase"} key and exactly one final JSON line with an {@code "ok"} key, then exits.
 */
public final class NodeScript {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("src/test/js");

    private final String script;
    private final Map<String, String> env = new HashMap<>();
    private Duration timeout = Duration.ofSeconds(60);
    private Consumer<JsonNode> onPhase = phase -> {};

    private NodeScript(String script) {
        this.script = script;
    }

    public static NodeScript of(String script) {
        return new NodeScript(script);
    }

    public NodeScript env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public NodeScript timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Called on the reader thread for every progress line. */
    public NodeScript onPhase(Consumer<JsonNode> onPhase) {
        this.onPhase = onPhase;
        return this;
    }

    /** Runs the script to its end; the result holds the final line and everything printed, for assertion messages. */
    public Result run() throws IOException, InterruptedException {
        if (!Files.isDirectory(DIR.resolve("node_modules/socket.io-client"))) {
            throw new IllegalStateException("npm packages missing in " + DIR.toAbsolutePath()
                    + ": run ./courier test (it runs npm ci there) or npm ci in that folder");
        }
        ProcessBuilder pb = new ProcessBuilder("node", script).directory(DIR.toFile());
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
