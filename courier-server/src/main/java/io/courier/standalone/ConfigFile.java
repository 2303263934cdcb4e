package io.courier.standalone;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreLimits;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code courier.yml} (README, "Configuration file") into {@link Main.Options}. Every key is optional;
 * unknown keys and bad values are errors that name the key. Environment variables and flags override the file.
 */
final class ConfigFile {
    private static final Set<String> KEYS = Set.of(
            "host",
            "port",
            "path",
            "data",
            "corsOrigins",
            "corsCredentials",
            "allowedHosts",
            "serveClient",
            "pingInterval",
            "pingTimeout",
            "perMessageDeflate",
            "parser",
            "apiKey",
            "jwtSecret",
            "jwtRequireExp",
            "metricsToken",
            "metricsPublic",
            "redis",
            "redisKey",
            "admin",
            "limits",
            "inFlightWindow",
            "channels");
    private static final Set<String> ADMIN_KEYS =
            Set.of("username", "password", "namespace", "readonly", "mode", "sessionTtl");
    private static final Set<String> DEFLATE_KEYS =
            Set.of("threshold", "level", "serverNoContextTakeover", "clientNoContextTakeover", "clientMaxWindowBits");
    private static final Set<String> RULE_KEYS = Set.of("match", "durable", "subscribe", "publish", "retention");
    private static final Set<String> LIMIT_KEYS = Set.of("subscriptionsPerClient", "subscriptions", "channels");
    private static final Set<String> RETENTION_KEYS = Set.of("maxAge", "maxBytes");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");

    private ConfigFile() {}

    /**
     * Reads {@code file} into {@code o}. {@code from} says who named the file ({@code --config} or {@code
     * COURIER_CONFIG}); errors name the file as given and the key.
     */
    static void apply(Path file, String from, Main.Options o) {
        String where = file.toString();
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + where + " (" + from + ") not found");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("config file " + where + " (" + from + "): permission denied");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            // SnakeYAML's message: what was wrong on lines of their own, indented lines quote the file
            String line = String.join(
                    ", ",
                    e.getOriginalMessage()
                            .lines()
                            .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                            .toList());
            throw new IllegalArgumentException(
                    where + (at == null ? "" : ":" + at.getLineNr()) + ": not valid YAML: " + line);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + where + " (" + from + "): "
                    + (e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(where + ": expected a mapping of options");
        }
        checkKeys(root, KEYS, where);
        if (root.has("host")) {
            o.host = text(root, "host", where);
            o.from.put("host", where + ": host");
        }
        if (root.has("port")) {
            String port = text(root, "port", where);
            o.port = Main.Options.port(port, where + ": port: " + port);
            o.from.put("port", where + ": port");
        }
        if (root.has("path")) {
            String path = text(root, "path", where);
            o.path = Main.Options.path(path, where + ": path: " + path);
            o.from.put("path", where + ": path");
        }
        if (root.has("data")) {
            o.data = Main.Options.dir(text(root, "data", where), where + ": data");
            o.from.put("data", where + ": data");
        }
        if (root.has("corsOrigins")) {
            o.corsOrigins = new ArrayList<>();
            for (JsonNode n : array(root, "corsOrigins", where)) {
                o.corsOrigins.add(n.asText());
            }
        }
        if (root.has("corsCredentials")) {
            o.corsCredentials = bool(root, "corsCredentials", where);
        }
        if (root.has("allowedHosts")) {
            o.allowedHosts = new ArrayList<>();
            for (JsonNode n : array(root, "allowedHosts", where)) {
                o.allowedHosts.add(n.asText());
            }
        }
        if (root.has("serveClient")) {
            o.serveClient = bool(root, "serveClient", where);
        }
        if (root.has("pingInterval")) {
            o.pingInterval = duration(text(root, "pingInterval", where), where + ": pingInterval");
        }
        if (root.has("pingTimeout")) {
            o.pingTimeout = duration(text(root, "pingTimeout", where), where + ": pingTimeout");
        }
        if (root.has("perMessageDeflate")) {
            perMessageDeflate(root.get("perMessageDeflate"), o, where + ": perMessageDeflate");
        }
        if (root.has("parser")) {
            o.parser = Main.Options.parser(text(root, "parser", where), where + ": parser");
        }
        if (root.has("apiKey")) {
            o.apiKey = text(root, "apiKey", where);
        }
        if (root.has("jwtSecret")) {
            o.jwtSecret = text(root, "jwtSecret", where);
        }
        if (root.has("metricsToken")) {
            o.metricsToken = text(root, "metricsToken", where);
        }
        if (root.has("redis")) {
            o.redis = Main.Options.redisUri(text(root, "redis", where), where + ": redis");
            o.from.put("redis", where + ": redis");
        }
        if (root.has("redisKey")) {
            o.redisKey = text(root, "redisKey", where);
        }
        if (root.has("metricsPublic")) {
            o.metricsPublic = bool(root, "metricsPublic", where);
        }
        if (root.has("jwtRequireExp")) {
            o.jwtRequireExp = bool(root, "jwtRequireExp", where);
        }
        if (root.has("admin")) {
            JsonNode a = root.get("admin");
            String w = where + ": admin";
            if (!a.isObject()) {
                throw new IllegalArgumentException(
                        w + ": expected {username, password, namespace, readonly, mode, sessionTtl}");
            }
            checkKeys(a, ADMIN_KEYS, w);
            if (a.has("username")) {
                o.adminUser = text(a, "username", w);
            }
            if (a.has("password")) {
                o.adminPassword = text(a, "password", w);
            }
            if (a.has("namespace")) {
                String ns = text(a, "namespace", w);
                o.adminNamespace = ns.startsWith("/") ? ns : "/" + ns;
            }
            if (a.has("readonly")) {
                o.adminReadonly = bool(a, "readonly", w);
            }
            if (a.has("sessionTtl")) {
                o.adminSessionTtl = duration(text(a, "sessionTtl", w), w + ".sessionTtl");
            }
            if (a.has("mode")) {
                String mode = text(a, "mode", w);
                if (!mode.equals("development") && !mode.equals("production")) {
                    throw new IllegalArgumentException(w + ".mode: " + mode + " (expected: development or production)");
                }
                o.adminDevelopment = mode.equals("development");
            }
        }
        if (root.has("limits")) {
            o.limits = limits(root.get("limits"), o.limits, where + ": limits");
        }
        if (root.has("inFlightWindow")) {
            JsonNode w = root.get("inFlightWindow");
            if (!w.isIntegralNumber() || !w.canConvertToInt() || w.intValue() < 1 || w.intValue() > 100_000) {
                throw new IllegalArgumentException(
                        where + ": inFlightWindow: " + w.asText() + " (expected: an integer 1-100000)");
            }
            o.inFlightWindow = w.intValue();
        }
        if (root.has("channels")) {
            List<ChannelRules.Rule> rules = new ArrayList<>();
            JsonNode list = array(root, "channels", where);
            for (int i = 0; i < list.size(); i++) {
                rules.add(rule(list.get(i), where + ": channels[" + i + "]"));
            }
            o.channels = new ChannelRules(rules);
        }
    }

    private static ChannelRules.Rule rule(JsonNode n, String where) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(where + ": expected {match, durable, subscribe, publish, retention}");
        }
        checkKeys(n, RULE_KEYS, where);
        if (!n.has("match")) {
            throw new IllegalArgumentException(where + ": match (a channel name pattern) is required");
        }
        String match = text(n, "match", where);
        boolean durable = !n.has("durable") || bool(n, "durable", where);
        ChannelRules.Access subscribe = access(n, "subscribe", where);
        ChannelRules.Access publish = access(n, "publish", where);
        Retention retention = Retention.DEFAULT;
        if (n.has("retention")) {
            JsonNode r = n.get("retention");
            if (!r.isObject()) {
                throw new IllegalArgumentException(where + ".retention: expected {maxAge, maxBytes}");
            }
            checkKeys(r, RETENTION_KEYS, where + ".retention");
            Duration maxAge = r.has("maxAge")
                    ? duration(text(r, "maxAge", where), where + ".retention.maxAge")
                    : Retention.DEFAULT.maxAge();
            long maxBytes = r.has("maxBytes")
                    ? size(text(r, "maxBytes", where), where + ".retention.maxBytes")
                    : Retention.DEFAULT.maxBytes();
            retention = new Retention(maxAge, maxBytes);
        }
        return new ChannelRules.Rule(match, durable, subscribe, publish, retention);
    }

    private static StoreLimits limits(JsonNode n, StoreLimits defaults, String where) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(where + ": expected {subscriptionsPerClient, subscriptions, channels}");
        }
        checkKeys(n, LIMIT_KEYS, where);
        return new StoreLimits(
                count(n, "subscriptionsPerClient", defaults.maxSubscriptionsPerClient(), where),
                count(n, "subscriptions", defaults.maxSubscriptions(), where),
                count(n, "channels", defaults.maxChannels(), where));
    }

    private static int count(JsonNode n, String key, int otherwise, String where) {
        if (!n.has(key)) {
            return otherwise;
        }
        JsonNode v = n.get(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw new IllegalArgumentException(
                    where + "." + key + ": " + v + " (expected: a whole number from 1 to " + Integer.MAX_VALUE + ")");
        }
        return v.intValue();
    }

    private static ChannelRules.Access access(JsonNode n, String key, String where) {
        if (!n.has(key)) {
            return ChannelRules.Access.ANYONE;
        }
        try {
            return ChannelRules.Access.parse(text(n, key, where));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + "." + key + ": " + e.getMessage());
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 15m}, {@code 12h}, {@code 7d}. */
    static Duration duration(String s, String where) {
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException(where + ": " + s + " (expected e.g. 500ms, 30s, 15m, 12h, 7d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** {@code 1048576}, {@code 64KiB}, {@code 512MiB}, {@code 1GiB}. */
    static long size(String s, String where) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException(where + ": " + s + " (expected e.g. 1048576, 64KiB, 512MiB, 1GiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        int shift =
                switch (unit) {
                    case "KiB" -> 10;
                    case "MiB" -> 20;
                    case "GiB" -> 30;
                    case "TiB" -> 40;
                    default -> 0;
                };
        if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(where + ": " + s + " is too large");
        }
        return n << shift;
    }

    /** {@code true}, {@code false}, or a mapping of options (which turns it on), as socket.io takes it. */
    private static void perMessageDeflate(JsonNode n, Main.Options o, String where) {
        if (n.isBoolean()) {
            o.perMessageDeflate = n.asBoolean();
            return;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(where + ": expected true, false or {"
                    + String.join(", ", DEFLATE_KEYS.stream().sorted().toList())
                    + "}");
        }
        checkKeys(n, DEFLATE_KEYS, where);
        o.perMessageDeflate = true;
        if (n.has("threshold")) {
            o.deflateThreshold = integer(n, "threshold", 0, Integer.MAX_VALUE, where);
        }
        if (n.has("level")) {
            o.deflateLevel = integer(n, "level", 1, 9, where);
        }
        if (n.has("serverNoContextTakeover")) {
            o.deflateServerNoContextTakeover = bool(n, "serverNoContextTakeover", where);
        }
        if (n.has("clientNoContextTakeover")) {
            o.deflateClientNoContextTakeover = bool(n, "clientNoContextTakeover", where);
        }
        if (n.has("clientMaxWindowBits")) {
            o.deflateClientMaxWindowBits = integer(n, "clientMaxWindowBits", 8, 15, where);
        }
    }

    private static int integer(JsonNode n, String key, int min, int max, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw new IllegalArgumentException(where + "." + key + ": " + (v == null ? "" : v.asText())
                    + " (expected: an integer " + min + "-" + max + ")");
        }
        return v.asInt();
    }

    private static void checkKeys(JsonNode n, Set<String> allowed, String where) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key " + key + " (known: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String text(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isValueNode() || v.isNull()) {
            throw new IllegalArgumentException(where + ": " + key + " must be a value");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isBoolean()) {
            throw new IllegalArgumentException(where + ": " + key + " must be true or false");
        }
        return v.asBoolean();
    }

    private static JsonNode array(JsonNode n, String key, String where) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(where + ": " + key + " must be a list");
        }
        return v;
    }
}
