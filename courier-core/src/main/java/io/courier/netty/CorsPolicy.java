package io.courier.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Set;

/**
 * Which origins may talk to an engine endpoint, and the CORS headers that say so.
 *
 * <p>Default ({@link #sameOriginOnly()}): no CORS headers, and a request whose {@code Origin} header names another
 * host than its {@code Host} header is refused with 403 (Engine.IO error 4) — this covers WebSocket upgrades, which
 * browsers do not subject to CORS, and "simple" polling POSTs, which browsers send without a preflight. Requests
 * without an {@code Origin} header (non-browser clients) are allowed.
 */
public final class CorsPolicy {
    private final boolean any;
    private final Set<String> origins;
    private final boolean credentials;

    private CorsPolicy(boolean any, Set<String> origins, boolean credentials) {
        this.any = any;
        this.origins = origins;
        this.credentials = credentials;
    }

    /** Browsers may only connect from pages served by the same host. */
    public static CorsPolicy sameOriginOnly() {
        return new CorsPolicy(false, Set.of(), false);
    }

    /** Any origin, as {@code cors: {origin: "*"}} in socket.io; never combined with credentials. */
    public static CorsPolicy anyOrigin() {
        return new CorsPolicy(true, Set.of(), false);
    }

    /**
     * Exactly these origins (e.g. {@code https://chat.example}), echoed back with {@code Vary: Origin}.
     *
     * @param credentials also send {@code Access-Control-Allow-Credentials: true}
     */
    public static CorsPolicy origins(List<String> origins, boolean credentials) {
        for (String o : origins) {
            if (!validOrigin(o) || o.equals("*")) {
                throw new IllegalArgumentException("origin : " + o + " (expected: scheme://host[:port])");
            }
        }
        return new CorsPolicy(false, Set.copyOf(origins), credentials);
    }

    public boolean allowsAnyOrigin() {
        return any;
    }

    /**
     * Whether a request with this Origin (may be null) and Host header may proceed. Comparing Origin with Host alone
     * lets DNS rebinding through (the attacker's name in both); the server refuses Hosts outside
     * {@link CourierHttpServer#allowedHosts} before this is asked, so same origin means one of those hosts.
     */
    boolean allows(String origin, String host) {
        if (origin == null || any || origins.contains(origin)) {
            return true;
        }
        return host != null && origin.endsWith("://" + host);
    }

    /** Adds the CORS response headers for an allowed request. */
    void addHeaders(String origin, HttpHeaders out) {
        if (any) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else if (origin != null && origins.contains(origin)) {
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            out.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
            if (credentials) {
                out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            }
        }
    }

    /** Whether an Origin value is a plausible serialized origin (visible ASCII only; no CR, LF or controls). */
    static boolean validOrigin(String origin) {
        if (origin.isEmpty() || origin.length() > 2048) {
            return false;
        }
        for (int i = 0; i < origin.length(); i++) {
            char c = origin.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
