package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ClientScript;
import io.courier.interop.support.Unhurried;
import io.courier.standalone.ConformanceServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python's Socket.IO client (python-socketio 5.7, Debian's {@code python3-socketio}, as Python teams install it)
 * against the conformance server's official contract, in polling-only, websocket-only and upgrade modes: the auth
 * event, echo, acks both ways, whoami and binary payloads ({@code src/test/python/official_contract.py}).
 */
class PythonClientIT {
    private static ConformanceServer server;

    @BeforeAll
    static void start() {
        server = ConformanceServer.start("127.0.0.1", 0, Unhurried::timings);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void pythonClientFollowsTheOfficialContract(String mode) throws Exception {
        ClientScript.Result r = ClientScript.python("official_contract.py")
                .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                .env("COURIER_TRANSPORTS", mode)
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("checks").asInt()).as(r.describe()).isEqualTo(9);
        assertThat(r.result().path("transport").asText())
                .as(r.describe())
                .isEqualTo(mode.equals("polling") ? "polling" : "websocket");
    }
}
