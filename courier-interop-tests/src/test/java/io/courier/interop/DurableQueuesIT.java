package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.durable.Retention;
import io.courier.interop.support.ClientScript;
import io.courier.interop.support.RestartableServer;
import io.courier.standalone.ConformanceServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Durable queues with the stock npm client: a durable identity that goes offline gets every message it missed, in
 * order, with the publisher's ids, when it comes back; with the embedded store, also after a server restart and
 * without subscribing again.
 */
class DurableQueuesIT {
    @TempDir
    Path data;

    private ConformanceServer start(int port) {
        return ConformanceServer.startDurable("127.0.0.1", port, d -> d.directory(data));
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void offlineSubscriberGetsWhatItMissedInOrder(String mode) throws Exception {
        try (ConformanceServer server = start(0)) {
            ClientScript.Result r = ClientScript.of("durable.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .timeout(Duration.ofSeconds(60))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(r.result().path("duplicates").asInt()).isZero();
        }
    }

    /** R4: deliveries while subscribers upgrade, and an upgrade cut between 3probe and 5. */
    @org.junit.jupiter.api.Test
    void deliveriesSurviveTheUpgradeAndAnUpgradeCutAfterTheProbe() throws Exception {
        try (ConformanceServer server = start(0)) {
            ClientScript.Result r = ClientScript.of("durable-upgrade.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .timeout(Duration.ofSeconds(90))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void windowHoldsBackASubscriberThatDoesNotAckAndRetentionGapsAreAnnounced(String mode) throws Exception {
        try (ConformanceServer server = ConformanceServer.startDurable("127.0.0.1", 0, d -> d.directory(data)
                .inFlightWindow(5)
                .maintenanceInterval(Duration.ofMillis(100))
                .retention(c -> c.startsWith("tiny") ? new Retention(Duration.ofHours(1), 200) : Retention.DEFAULT))) {
            ClientScript.Result r = ClientScript.of("durable-flow.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .timeout(Duration.ofSeconds(60))
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
        }
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void queueSurvivesAServerRestart(String mode) throws Exception {
        try (RestartableServer server = new RestartableServer(this::start)) {
            ClientScript.Result r = ClientScript.of("durable.js")
                    .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                    .env("COURIER_TRANSPORTS", mode)
                    .env("COURIER_RESTART", "1")
                    .timeout(Duration.ofSeconds(60))
                    .onPhase(server.restartOn("restart"))
                    .run();
            assertThat(server.restartFailure()).isNull();
            assertThat(r.ok()).as(r.describe()).isTrue();
            // a graceful restart saves every cursor: nothing acknowledged comes again
            assertThat(r.result().path("duplicates").asInt()).isZero();
        }
    }
}
