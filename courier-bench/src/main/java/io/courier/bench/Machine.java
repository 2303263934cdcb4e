package io.courier.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the report says about where it ran: date, CPU, memory, kernel, and the versions of every peer. */
final class Machine {
    private Machine() {}

    static Map<String, String> describe(Env env) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(ZonedDateTime.now(ZoneOffset.UTC)));
        m.put(
                "machine",
                cpu() + ", " + Runtime.getRuntime().availableProcessors() + " CPU(s) visible to the load"
                        + " generator, " + memory() + ", kernel " + System.getProperty("os.version"));
        m.put("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("Node", run(env.node(), "--version"));
        m.put(
                "socket.io",
                npmVersion(env.nodeDir(), "socket.io") + " (engine.io " + npmVersion(env.nodeDir(), "engine.io")
                        + ", ws " + npmVersion(env.nodeDir(), "ws") + ")");
        m.put("netty-socketio", nsioVersion(env));
        m.put(
                "Netty (ceiling, Courier, load generator)",
                io.netty.util.Version.identify().values().stream()
                        .filter(v -> v.artifactId().equals("netty-common"))
                        .map(io.netty.util.Version::artifactVersion)
                        .findFirst()
                        .orElse("?"));
        return m;
    }

    private static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim().replaceAll("\\s+", " ");
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Math.round(kib / 1024.0 / 1024.0) + " GiB";
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return "? GiB";
    }

    private static String npmVersion(Path nodeDir, String pkg) {
        try {
            String json = Files.readString(nodeDir.resolve("node_modules/" + pkg + "/package.json"));
            Matcher m = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
            return m.find() ? m.group(1) : "?";
        } catch (IOException e) {
            return "?";
        }
    }

    private static String nsioVersion(Env env) {
        try {
            Matcher m = Pattern.compile("netty-socketio-([0-9][^/]*?)\\.jar").matcher(env.nettySocketIoClasspath());
            Matcher n = Pattern.compile("netty-common-([0-9][^/]*?)\\.jar").matcher(env.nettySocketIoClasspath());
            return (m.find() ? m.group(1) : "?") + (n.find() ? " (Netty " + n.group(1) + ")" : "");
        } catch (RuntimeException e) {
            return "not built";
        }
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
