package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.interop.support.ClientScript;
import io.courier.interop.support.ConformanceServerExtension;
import io.courier.interop.support.ServerProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python's Socket.IO client (python-socketio 5.7, Debian's {@code python3-socketio}, as Python teams install it)
 * in polling-only, websocket-only and upgrade modes: against the conformance server's official contract (the auth
 * event, echo, acks both ways, whoami and binary payloads: {@code src/test/python/official_contract.py}), and against
 * the standalone hub's durable queues (what it missed while away, in order, acknowledged once: {@code
 * src/test/python/durable_hub.py}; the order as the client reads it, since python-engineio hands each message to its
 * handler on a thread of its own).
 */
class PythonClientIT {
    @RegisterExtension
    static final ConformanceServerExtension server = new ConformanceServerExtension();

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

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void pythonClientGetsWhatItMissedInOrderAndOnlyUntilItAcknowledgedIt(String mode, @TempDir Path data)
            throws Exception {
        try (ServerProcess hub = new ServerProcess(data, "--api-key", "KEY")) {
            ClientScript.Result r = ClientScript.python("durable_hub.py")
                    .env("COURIER_URL", "http://127.0.0.1:" + hub.port())
                    .env("COURIER_API_KEY", "KEY")
                    .env("COURIER_TRANSPORTS", mode)
                    .run();
            assertThat(r.ok()).as(r.describe()).isTrue();
            List<String> seen = new ArrayList<>();
            for (JsonNode d : r.result().path("deliveries")) {
                seen.add(d.path("seq").asInt() + " " + d.path("id").asText() + " "
                        + d.path("channel").asText() + " " + d.path("args"));
            }
            List<String> published = new ArrayList<>();
            r.result().path("published").forEach(id -> published.add(id.asText()));
            // in order as the client read them; its handlers, each on a thread of its own (durable_hub.py), may
            // take them in another order
            List<Integer> wire = new ArrayList<>();
            r.result().path("wire").forEach(seq -> wire.add(seq.asInt()));
            assertThat(wire).as(r.describe()).containsExactly(1, 2, 3);
            assertThat(seen)
                    .as(r.describe())
                    .containsExactlyInAnyOrder(
                            "1 " + published.get(0) + " parcels [{\"parcel\":1}]",
                            "2 " + published.get(1) + " parcels [{\"parcel\":2}]",
                            "3 " + published.get(2) + " parcels [{\"parcel\":3}]");
            assertThat(r.result().path("left").asInt())
                    .as("messages the channel still keeps")
                    .isZero();
            assertThat(r.result().path("again"))
                    .as("delivered again after the acks")
                    .isEmpty();
        }
    }
}
