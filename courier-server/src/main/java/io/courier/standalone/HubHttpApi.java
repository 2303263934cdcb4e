package io.courier.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.Courier;
import io.courier.DurableQueues;
import io.courier.durable.ChannelStats;
import io.courier.durable.StoreException;
import io.courier.durable.StoreLimitException;
import io.courier.http.HttpRequest;
import io.courier.http.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The hub's backend API (README, "HTTP API"):
 *
 * <ul>
 *   <li>{@code POST /api/publish} with {@code {channel, event, args}}, or {@code {messages: [...]}} for up to
 *       {@value #MAX_BATCH} at once: 200 with {@code {id, channel, seq}} (or {@code {results: [...]}}) once stored;
 *   <li>{@code GET /api/channels/{name}}: the channel's subscribers, kept messages and ids;
 *   <li>{@code GET /healthz} (the process answers) and {@code GET /readyz} (it accepts publishes).
 * </ul>
 *
 * <p>With an API key configured, {@code /api/*} needs {@code Authorization: Bearer <key>}; without one (dev mode)
 * it is open. Errors are JSON {@code {error}} with a 4xx status, 503 when the store refuses a publish (disk full,
 * closed), or 507 when the publish would create a channel beyond the store's limits.
 *
 * <p>Browsers: the API is for backends, so a request whose {@code Origin} is not this server's own gets 403, and a
 * POST must say {@code Content-Type: application/json} (415 otherwise). A web page on another origin can thus
 * neither send a "simple" cross-origin POST (form or {@code text/plain}, which browsers send without asking) nor
 * pass the preflight a JSON POST needs (the API answers none): no cross-site request forgery, even in dev mode.
 */
final class HubHttpApi {
    static final int MAX_BODY_BYTES = 1 << 20;
    static final int MAX_BATCH = 1000;
    private static final ObjectMapper JSON = HubJson.MAPPER;
    private static final java.util.concurrent.Executor OFF_LOOP =
            task -> Thread.ofVirtual().start(task);

    private final Courier io;
    private final HubProtocol hub;
    private final byte[] apiKey; // null in dev mode
    private volatile boolean ready;
    /** What else readiness needs (the cluster's connection to Redis); always true for a single node. */
    private volatile java.util.function.BooleanSupplier alsoReady = () -> true;

    private HubHttpApi(Courier io, HubProtocol hub, String apiKey) {
        this.io = io;
        this.hub = hub;
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    }

    /** Mounts the API on {@code io} (before it starts); {@code apiKey} null for dev mode. */
    static HubHttpApi mount(Courier io, HubProtocol hub, String apiKey) {
        HubHttpApi api = new HubHttpApi(io, hub, apiKey);
        // parsing up to a MiB of JSON and encoding up to 1,000 messages is no work for an event loop
        io.route("/api/", MAX_BODY_BYTES, request -> CompletableFuture.supplyAsync(() -> request, OFF_LOOP)
                .thenCompose(api::api));
        io.route("/healthz", 0, request -> CompletableFuture.completedFuture(HttpResponse.text(200, "ok\n")));
        io.route(
                "/readyz",
                0,
                request -> CompletableFuture.completedFuture(
                        api.ready && api.alsoReady.getAsBoolean()
                                ? HttpResponse.text(200, "ready\n")
                                : HttpResponse.text(503, "not ready\n")));
        return api;
    }

    /** Readiness also needs {@code condition} (checked on every {@code /readyz}). */
    void alsoReadyWhen(java.util.function.BooleanSupplier condition) {
        this.alsoReady = condition;
    }

    /** Marks the hub ready (started) or not (shutting down). */
    void ready(boolean ready) {
        this.ready = ready;
    }

    private CompletableFuture<HttpResponse> api(HttpRequest request) {
        String origin = request.header("origin");
        if (origin != null && !sameOrigin(origin, request.header("host"))) {
            return done(error(
                    403,
                    "requests from web pages on other origins are refused (Origin " + printable(origin)
                            + "): the HTTP API is for backends"));
        }
        if (request.method().equals("POST") && !json(request.header("content-type"))) {
            return done(error(415, "send Content-Type: application/json"));
        }
        if (!authorized(request.header("authorization"))) {
            return done(error(401, "missing or wrong API key: send Authorization: Bearer <key>"));
        }
        if (request.path().equals("/api/publish")) {
            return request.method().equals("POST") ? publish(request) : done(error(405, "use POST /api/publish"));
        }
        if (request.path().startsWith("/api/channels/")) {
            if (!request.method().equals("GET")) {
                return done(error(405, "use GET /api/channels/{name}"));
            }
            String name =
                    URLDecoder.decode(request.path().substring("/api/channels/".length()), StandardCharsets.UTF_8);
            CompletableFuture<Optional<ChannelStats>> stats = name.isEmpty()
                    ? CompletableFuture.completedFuture(Optional.empty())
                    : io.durable().channel(name);
            return stats.thenApply(found -> found.map(s -> json(200, channel(s)))
                    .orElseGet(() -> error(404, "no channel named \"" + name + "\"")));
        }
        return done(error(404, "no such API: " + request.method() + " " + request.path()));
    }

    /**
     * Whether a browser's Origin is the page's own server: {@code http(s)://} plus the Host header, which the HTTP
     * server has already checked against its allowed hosts (so a rebound name does not get this far).
     */
    private static boolean sameOrigin(String origin, String host) {
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    private static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    private static String printable(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length() && b.length() < 100; i++) {
            char c = value.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private boolean authorized(String header) {
        if (apiKey == null) {
            return true;
        }
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(apiKey, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private CompletableFuture<HttpResponse> publish(HttpRequest request) {
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return done(error(400, "the body is not JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            return done(error(400, "the body cannot be read: " + e.getMessage()));
        }
        if (body == null || !body.isObject()) {
            return done(error(400, "expected a JSON object {channel, event, args} or {messages: [...]}"));
        }
        JsonNode messages = body.get("messages");
        if (messages == null) {
            String problem = problem(body);
            if (problem != null) {
                return done(error(400, problem));
            }
            return publishOne(body)
                    .handle((published, failure) -> failure == null
                            ? json(200, result(published))
                            : error(statusOf(failure), messageOf(failure)));
        }
        if (!messages.isArray() || messages.isEmpty() || messages.size() > MAX_BATCH) {
            return done(error(400, "messages must be an array of 1 to " + MAX_BATCH + " {channel, event, args}"));
        }
        for (int i = 0; i < messages.size(); i++) {
            String problem = problem(messages.get(i));
            if (problem != null) {
                return done(error(400, "messages[" + i + "]: " + problem));
            }
        }
        // appended in batch order (one channel's messages keep it), all in one group commit rather than one fsync each
        List<CompletableFuture<ObjectNode>> results = new ArrayList<>();
        for (JsonNode m : messages) {
            results.add(publishOne(m)
                    .handle((published, failure) -> failure == null
                            ? result(published).put("ok", true)
                            : JsonNodeFactory.instance
                                    .objectNode()
                                    .put("ok", false)
                                    .put("error", messageOf(failure))));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    ObjectNode out = JsonNodeFactory.instance.objectNode();
                    results.forEach(r -> out.withArray("results").add(r.join()));
                    return json(200, out);
                });
    }

    private CompletableFuture<DurableQueues.Published> publishOne(JsonNode m) {
        Object[] args = new Object[m.path("args").size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = m.get("args").get(i);
        }
        try {
            return hub.publish(m.get("channel").asText(), m.get("event").asText(), args);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** What is wrong with one {channel, event, args}, or null. */
    private static String problem(JsonNode m) {
        if (m == null || !m.isObject()) {
            return "expected an object {channel, event, args}";
        }
        JsonNode channel = m.get("channel");
        if (channel == null || !channel.isTextual() || channel.asText().isEmpty()) {
            return "channel must be a non-empty string";
        }
        JsonNode event = m.get("event");
        if (event == null || !event.isTextual() || event.asText().isEmpty()) {
            return "event must be a non-empty string";
        }
        JsonNode args = m.get("args");
        if (args != null && !args.isArray()) {
            return "args must be an array";
        }
        return null;
    }

    private static ObjectNode result(DurableQueues.Published p) {
        return JsonNodeFactory.instance
                .objectNode()
                .put("id", p.id())
                .put("channel", p.channel())
                .put("seq", p.seq());
    }

    private static ObjectNode channel(ChannelStats s) {
        ObjectNode n = JsonNodeFactory.instance
                .objectNode()
                .put("channel", s.channel())
                .put("subscribers", s.subscribers())
                .put("messages", s.messages())
                .put("bytes", s.bytes())
                .put("firstSeq", s.firstSeq())
                .put("lastSeq", s.lastSeq());
        n.put("oldestId", s.oldestId());
        n.put("newestId", s.newestId());
        return n;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static int statusOf(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof HubProtocol.UnknownChannelException) {
            return 404;
        }
        if (t instanceof StoreLimitException) {
            return 507; // Insufficient Storage: a bound on stored state, not a passing outage; the message names it
        }
        return t instanceof IllegalArgumentException ? 400 : t instanceof StoreException ? 503 : 500;
    }

    private static String messageOf(Throwable failure) {
        return String.valueOf(unwrap(failure).getMessage());
    }

    private static HttpResponse error(int status, String message) {
        return json(status, JsonNodeFactory.instance.objectNode().put("error", message));
    }

    private static HttpResponse json(int status, JsonNode body) {
        try {
            return HttpResponse.json(status, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CompletableFuture<HttpResponse> done(HttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
