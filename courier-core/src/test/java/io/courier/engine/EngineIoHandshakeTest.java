package io.courier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The open packet and the session registry. */
class EngineIoHandshakeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void openPacketOfAPollingSessionHasExactlyTheFiveKeysWithTheConfiguredValues() throws Exception {
        EngineIoSession session = h.openPolling();

        EngineIoPacket open = h.server.openPacket(session, false);

        assertThat(open.type()).isEqualTo(EngineIoPacketType.OPEN);
        JsonNode json = MAPPER.readTree(open.text());
        assertThat(fieldNames(json))
                .containsExactlyInAnyOrder("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
        assertThat(json.get("sid").isTextual()).isTrue();
        assertThat(json.get("sid").asText()).isEqualTo(session.sid());
        assertThat(json.get("upgrades")).isEqualTo(MAPPER.readTree("[\"websocket\"]"));
        assertThat(json.get("pingInterval").isIntegralNumber()).isTrue();
        assertThat(json.get("pingInterval").asLong()).isEqualTo(EngineHarness.PING_INTERVAL);
        assertThat(json.get("pingTimeout").isIntegralNumber()).isTrue();
        assertThat(json.get("pingTimeout").asLong()).isEqualTo(EngineHarness.PING_TIMEOUT);
        assertThat(json.get("maxPayload").isIntegralNumber()).isTrue();
        assertThat(json.get("maxPayload").asLong()).isEqualTo(EngineHarness.MAX_PAYLOAD);
    }

    @Test
    void theWebSocketOpenFrameIsTheOpenPacketWrittenFromItsParts() {
        for (int i = 0; i < 3; i++) {
            // the second and third reuse the cached text after the sid
            EngineIoSession session = h.openWebSocket();
            List<String> frames = h.socket.frames();
            assertThat(frames.get(0))
                    .isEqualTo(new String(
                            h.server.openPacket(session, true).textFrameBytes(),
                            java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void openPacketOfAWebSocketSessionIsItsFirstFrameAndOffersNoUpgrade() throws Exception {
        EngineIoSession session = h.openWebSocket();

        List<String> frames = h.socket.frames();

        assertThat(frames).hasSize(1);
        assertThat(frames.get(0)).startsWith("0");
        JsonNode json = MAPPER.readTree(frames.get(0).substring(1));
        assertThat(fieldNames(json))
                .containsExactlyInAnyOrder("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
        assertThat(json.get("sid").asText()).isEqualTo(session.sid());
        assertThat(json.get("upgrades").isArray()).isTrue();
        assertThat(json.get("upgrades")).isEmpty();
        assertThat(json.get("pingInterval").asLong()).isEqualTo(EngineHarness.PING_INTERVAL);
        assertThat(json.get("pingTimeout").asLong()).isEqualTo(EngineHarness.PING_TIMEOUT);
        assertThat(json.get("maxPayload").asLong()).isEqualTo(EngineHarness.MAX_PAYLOAD);
    }

    @Test
    void openPacketOffersNoUpgradeWhenUpgradesAreDisabled() throws Exception {
        EngineIoConfig c = EngineHarness.config();
        EngineIoConfig noUpgrades = new EngineIoConfig(
                c.pingInterval(),
                c.pingTimeout(),
                c.upgradeTimeout(),
                c.maxHttpBufferSize(),
                c.maxBufferedBytes(),
                c.transports(),
                false);
        try (EngineHarness other = new EngineHarness(noUpgrades)) {
            EngineIoSession session = other.openPolling();

            JsonNode json =
                    MAPPER.readTree(other.server.openPacket(session, false).text());

            assertThat(json.get("upgrades").isArray()).isTrue();
            assertThat(json.get("upgrades")).isEmpty();
        }
    }

    @Test
    void openPacketOffersNoUpgradeWhenWebSocketIsNotAnAllowedTransport() throws Exception {
        EngineIoConfig c = EngineHarness.config();
        EngineIoConfig pollingOnly = new EngineIoConfig(
                c.pingInterval(),
                c.pingTimeout(),
                c.upgradeTimeout(),
                c.maxHttpBufferSize(),
                c.maxBufferedBytes(),
                Set.of(EngineIoConfig.POLLING),
                true);
        try (EngineHarness other = new EngineHarness(pollingOnly)) {
            EngineIoSession session = other.openPolling();

            JsonNode json =
                    MAPPER.readTree(other.server.openPacket(session, false).text());

            assertThat(json.get("upgrades")).isEmpty();
        }
    }

    @Test
    void openPacketAdvertisesTheReferenceDefaults() throws Exception {
        try (EngineHarness other = new EngineHarness(EngineIoConfig.defaults())) {
            EngineIoSession session = other.openPolling();

            JsonNode json =
                    MAPPER.readTree(other.server.openPacket(session, false).text());

            assertThat(json.get("pingInterval").asLong()).isEqualTo(25_000);
            assertThat(json.get("pingTimeout").asLong()).isEqualTo(20_000);
            assertThat(json.get("maxPayload").asLong()).isEqualTo(1_000_000);
            assertThat(json.get("upgrades")).isEqualTo(MAPPER.readTree("[\"websocket\"]"));
        }
    }

    @Test
    void referenceDefaultsAreThoseOfTheProtocol() {
        EngineIoConfig defaults = EngineIoConfig.defaults();

        assertThat(defaults.pingInterval()).isEqualTo(Duration.ofSeconds(25));
        assertThat(defaults.pingTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(defaults.upgradeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.maxHttpBufferSize()).isEqualTo(1_000_000);
        assertThat(defaults.transports()).containsExactlyInAnyOrder("polling", "websocket");
        assertThat(defaults.allowUpgrades()).isTrue();
    }

    @Test
    void registersEachSessionUnderADistinctUrlSafeSid() {
        EngineIoSession first = h.openPolling();
        EngineIoSession second = h.openPolling();

        assertThat(first.sid()).matches("[A-Za-z0-9_-]+").isNotEqualTo(second.sid());
        assertThat(second.sid()).matches("[A-Za-z0-9_-]+");
        assertThat(h.server.session(first.sid())).isSameAs(first);
        assertThat(h.server.session(second.sid())).isSameAs(second);
        assertThat(h.server.sessionCount()).isEqualTo(2);
        assertThat(h.server.sessions()).containsExactlyInAnyOrder(first, second);
        assertThat(h.server.session(null)).isNull();
        assertThat(h.server.session("unknown")).isNull();
    }

    @Test
    void handsEveryNewSessionToTheSessionHandlerOnce() {
        List<EngineIoSession> opened = new ArrayList<>();
        EngineIoServer server = new EngineIoServer(EngineHarness.config(), session -> {
            opened.add(session);
            return null; // a null listener is allowed: the session then delivers to nobody
        });

        EngineIoSession polling = server.openPolling(h.loop.eventLoop(), EngineHarness.request("polling"));
        EngineIoSession websocket = server.openWebSocket(h.socket.transport, EngineHarness.request("websocket"));

        assertThat(opened).containsExactly(polling, websocket);
        h.post(polling, "4hello");
        polling.close(EngineIoCloseReason.FORCED_CLOSE);
        assertThat(polling.isOpen()).isFalse();
        websocket.close(EngineIoCloseReason.FORCED_CLOSE);
    }

    @Test
    void sessionStartsOnItsHandshakeTransport() {
        EngineIoSession polling = h.openPolling();
        EngineIoSession websocket = h.openWebSocket();

        assertThat(polling.transportName()).isEqualTo("polling");
        assertThat(websocket.transportName()).isEqualTo("websocket");
        assertThat(polling.isOpen()).isTrue();
        assertThat(websocket.isOpen()).isTrue();
        assertThat(polling.eventLoop()).isSameAs(h.loop.eventLoop());
        assertThat(websocket.eventLoop()).isSameAs(h.loop.eventLoop());
        assertThat(polling.server()).isSameAs(h.server);
        assertThat(polling.request().query()).containsEntry("transport", "polling");
        assertThat(polling.request().header("Host")).isEqualTo("localhost");
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
