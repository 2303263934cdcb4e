package io.courier.interop.support;

import io.courier.standalone.ConformanceServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The conformance server (official and extended contract, {@link Unhurried} timings) on a free loopback port for the
 * tests of one class: started before the first, closed after the last. Register it on a static field with
 * {@code @RegisterExtension}.
 */
public final class ConformanceServerExtension implements BeforeAllCallback, AfterAllCallback {
    private ConformanceServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = ConformanceServer.start("127.0.0.1", 0, Unhurried::timings);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    /** The port it listens on. */
    public int port() {
        return server.port();
    }
}
