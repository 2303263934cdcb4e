package io.courier.netty;

import io.courier.engine.EngineIoServer;
import io.courier.http.ForeignSessions;
import java.util.Objects;

/**
 * An Engine.IO server mounted under a path prefix (ending with {@code /}) with its CORS policy and, in a cluster
 * without sticky sessions, how it reaches other nodes' sessions (null: it does not).
 */
record EngineEndpoint(String path, EngineIoServer engine, CorsPolicy cors, ForeignSessions foreign) {
    EngineEndpoint {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(cors, "cors");
        path = normalize(path);
    }

    /** A single node's endpoint. */
    EngineEndpoint(String path, EngineIoServer engine, CorsPolicy cors) {
        this(path, engine, cors, null);
    }

    /** {@code /socket.io}, {@code socket.io/} and {@code /socket.io/} all become {@code /socket.io/}. */
    static String normalize(String path) {
        String p = path.startsWith("/") ? path : "/" + path;
        return p.endsWith("/") ? p : p + "/";
    }

    boolean matches(String requestPath) {
        return requestPath.startsWith(path) || requestPath.equals(path.substring(0, path.length() - 1));
    }
}
