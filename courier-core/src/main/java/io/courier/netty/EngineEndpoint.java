package io.courier.netty;

import io.courier.engine.EngineIoServer;
import java.util.Objects;

/** An Engine.IO server mounted under a path prefix (ending with {@code /}) with its CORS policy. */
record EngineEndpoint(String path, EngineIoServer engine, CorsPolicy cors) {
    EngineEndpoint {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(cors, "cors");
        path = normalize(path);
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
