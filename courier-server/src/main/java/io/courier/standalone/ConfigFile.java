package io.courier.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.courier.durable.Retention;
import io.courier.durable.StoreLimits;
import java.io.IOException;
import java.nio.file.Files;
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
            "serveClient",
            "pingInterval",
            "pingTimeout",
            "apiKey",
            "jwtSecret",
            "jwtRequireExp",
            "admin",
            "limits",
            "channels");
    private static final Set<String> ADMIN_KEYS = Set.of("username", "password", "namespace", "readonly", "mode");
    private static final Set<String> RULE_KEYS = Set.of("match", "durable", "subscribe", "publish", "retention");
    private static final Set<String> LIMIT_KEYS = Set.of("subscriptionsPerClient", "subscriptions", "channels");
    private static final Set<String> RETENTION_KEYS = Set.of("maxAge", "maxBytes");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");

    private ConfigFile() {}

    static void apply(Path file, Main.Options o) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        String where = file.getFileName().toString();
        if (!root.isObject()) {
            throw new IllegalArgumentException(where + ": expected a mapping of options");
        }
        checkKeys(root, KEYS, where);
        if (root.has("host")) {
            o.host = text(root, "host", where);
        }
        if (root.has("port")) {
            o.port = Main.Options.port(text(root, "port", where));
        }
        if (root.has("path")) {
            o.path = text(root, "path", where);
        }
        if (root.has("data")) {
            o.data = Path.of(text(root, "data", where));
        }
        if (root.has("corsOrigins")) {
            o.corsOrigins = new ArrayList<>();
            for (JsonNode n : array(root, "corsOrigins", where)) {
                o.corsOrigins.add(n.asText());
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
        if (root.has("apiKey")) {
            o.apiKey = text(root, "apiKey", where);
        }
        if (root.has("jwtSecret")) {
            o.jwtSecret = text(root, "jwtSecret", where);
        }
        if (root.has("jwtRequireExp")) {
            o.jwtRequireExp = bool(root, "jwtRequireExp", where);
        }
        if (root.has("admin")) {
            JsonNode a = root.get("admin");
            String w = where + ": admin";
            if (!a.isObject()) {
                throw new IllegalArgumentException(w + ": expected {username, password, namespace, readonly, mode}");
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
