package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.engine.RecordingListener;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The HTTP idle timeout every request reads: derived from the mounted endpoints' heartbeats (the longest
 * pingInterval + pingTimeout plus 10 s, at least 30 s) unless set, and recomputed when either changes.
 */
class RoutesIdleTimeoutTest {
    private static EngineEndpoint endpoint(String path, Duration pingInterval, Duration pingTimeout) {
        EngineIoConfig d = EngineIoConfig.defaults();
        EngineIoConfig config = new EngineIoConfig(
                pingInterval,
                pingTimeout,
                d.upgradeTimeout(),
                d.maxHttpBufferSize(),
                d.maxBufferedBytes(),
                Set.of(EngineIoConfig.WEBSOCKET),
                false);
        RecordingListener listener = new RecordingListener();
        return new EngineEndpoint(path, new EngineIoServer(config, session -> listener), CorsPolicy.anyOrigin());
    }

    @Test
    void withoutEndpointsItIsThirtySeconds() {
        assertThat(new CourierHttpServer.Routes().idleTimeoutMillis()).isEqualTo(30_000);
    }

    @Test
    void theLongestHeartbeatOfTheEndpointsPlusTenSecondsAtLeastThirty() {
        CourierHttpServer.Routes routes = new CourierHttpServer.Routes();
        routes.add(endpoint("/a/", Duration.ofSeconds(5), Duration.ofSeconds(5)));
        assertThat(routes.idleTimeoutMillis()).isEqualTo(30_000);
        routes.add(endpoint("/b/", Duration.ofSeconds(60), Duration.ofSeconds(30)));
        assertThat(routes.idleTimeoutMillis()).isEqualTo(100_000);
        routes.add(endpoint("/c/", Duration.ofSeconds(25), Duration.ofSeconds(20)));
        assertThat(routes.idleTimeoutMillis()).isEqualTo(100_000);
    }

    @Test
    void aSetTimeoutWinsOverEndpointsMountedBeforeAndAfter() {
        CourierHttpServer.Routes routes = new CourierHttpServer.Routes();
        routes.add(endpoint("/a/", Duration.ofSeconds(60), Duration.ofSeconds(30)));
        routes.idleTimeout(Duration.ofMillis(300));
        assertThat(routes.idleTimeoutMillis()).isEqualTo(300);
        routes.add(endpoint("/b/", Duration.ofSeconds(90), Duration.ofSeconds(30)));
        assertThat(routes.idleTimeoutMillis()).isEqualTo(300);
    }
}
