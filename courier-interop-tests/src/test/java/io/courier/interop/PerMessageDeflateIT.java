package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.interop.support.ClientScript;
import io.courier.protocol.Parser;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * permessage-deflate with the official npm {@code socket.io-client} 4.8.4, whose Node transport ({@code ws}) offers the
 * extension by default: with {@code perMessageDeflate} on, the extension is negotiated and every big message goes out
 * compressed (with RSV1: the server counts the frames its codec compressed) except the ones emitted with {@code
 * compress(false)}, directly or by broadcast, and the client's big upload arrives compressed and is inflated. With the
 * option off (the default) nothing is negotiated and nothing is compressed. The same with the msgpack parser, whose
 * packets are all binary messages.
 */
class PerMessageDeflateIT {
    private static final int SIZE = 20_000;

    private Courier io;

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
    }

    private int start(Consumer<CourierConfig.Builder> options) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        io = Courier.create(c -> {
            c.host("127.0.0.1").port(0).serveClient(false);
            options.accept(c);
        });
        io.metrics().bindTo(registry);
        io.onConnection(socket -> {
            socket.on("big", (args, ack) -> socket.emit("big-back", payload(args.get(0, Integer.class))));
            socket.on("big-raw", (args, ack) -> socket.compress(false)
                    .emit("big-back", payload(args.get(0, Integer.class))));
            socket.on("big-broadcast", (args, ack) -> io.emit("big-back", payload(args.get(0, Integer.class))));
            socket.on(
                    "big-broadcast-raw",
                    (args, ack) -> io.sockets().compress(false).emit("big-back", payload(args.get(0, Integer.class))));
            socket.on(
                    "upload", (args, ack) -> ack.reply(args.get(0, String.class).length()));
            socket.on(
                    "stats",
                    (args, ack) -> ack.reply(Map.of(
                            "deflated",
                                    (long) registry.get("courier.websocket.deflated")
                                            .functionCounter()
                                            .count(),
                            "inflated",
                                    (long) registry.get("courier.websocket.inflated")
                                            .functionCounter()
                                            .count())));
        });
        io.start();
        return io.port();
    }

    /** Repetitive JSON-ish text, as real payloads are: compresses well. */
    private static String payload(int size) {
        StringBuilder sb = new StringBuilder(size + 32);
        for (int i = 0; sb.length() < size; i++) {
            sb.append("{\"id\":").append(i % 50).append(",\"state\":\"ok\"}");
        }
        return sb.substring(0, size);
    }

    private static ClientScript.Result run(int port, String mode) throws Exception {
        return run(port, mode, "default");
    }

    private static ClientScript.Result run(int port, String mode, String parser) throws Exception {
        return ClientScript.of("deflate.js")
                .env("COURIER_URL", "http://127.0.0.1:" + port)
                .env("COURIER_TRANSPORTS", mode)
                .env("COURIER_PARSER", parser)
                .env("DEFLATE_SIZE", Integer.toString(SIZE))
                .run();
    }

    /** How much {@code counter} grew during {@code step}, as the script read it before and after. */
    private static long grew(ClientScript.Result r, String counter, String before, String step) {
        JsonNode c = r.result().path("counters");
        return c.path(step).path(counter).asLong()
                - c.path(before).path(counter).asLong();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"websocket", "upgrade"})
    void bigMessagesGoOutCompressedExceptWithCompressFalse(String mode) throws Exception {
        assertCompressedExceptWithCompressFalse(run(start(c -> c.perMessageDeflate(d -> {})), mode));
    }

    @Test
    void withMsgpackEveryPacketIsABinaryMessageAndTheSameHolds() throws Exception {
        assertCompressedExceptWithCompressFalse(
                run(start(c -> c.perMessageDeflate(d -> {}).parser(Parser.MSGPACK)), "websocket", "msgpack"));
    }

    private static void assertCompressedExceptWithCompressFalse(ClientScript.Result r) {
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("transport").asText()).isEqualTo("websocket");
        assertThat(r.result().path("extensions").asText()).as(r.describe()).isEqualTo("permessage-deflate");
        assertThat(grew(r, "deflated", "start", "direct")).as(r.describe()).isEqualTo(1);
        assertThat(grew(r, "deflated", "direct", "directRaw")).as(r.describe()).isZero();
        assertThat(grew(r, "deflated", "directRaw", "broadcast"))
                .as(r.describe())
                .isEqualTo(1);
        assertThat(grew(r, "deflated", "broadcast", "broadcastRaw"))
                .as(r.describe())
                .isZero();
        assertThat(grew(r, "inflated", "broadcastRaw", "upload"))
                .as(r.describe())
                .isEqualTo(1);
        assertThat(grew(r, "deflated", "start", "upload"))
                .as("the small stats answers and acks stay under the threshold: %s", r.describe())
                .isEqualTo(2);
    }

    @ParameterizedTest(name = "threshold {0}")
    @ValueSource(ints = {4 * SIZE}) // over the escaped JSON of the big events
    void messagesUnderTheThresholdGoOutAsTheyAre(int threshold) throws Exception {
        ClientScript.Result r = run(start(c -> c.perMessageDeflate(d -> d.threshold(threshold))), "websocket");
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("extensions").asText()).isEqualTo("permessage-deflate");
        assertThat(grew(r, "deflated", "start", "upload")).as(r.describe()).isZero();
        assertThat(grew(r, "inflated", "broadcastRaw", "upload"))
                .as("the client compresses by its own threshold: %s", r.describe())
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"websocket", "upgrade"})
    void withTheOptionOffNothingIsNegotiated(String mode) throws Exception {
        ClientScript.Result r = run(start(c -> {}), mode);
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.result().path("extensions").asText()).as(r.describe()).isEmpty();
        assertThat(grew(r, "deflated", "start", "upload")).isZero();
        assertThat(grew(r, "inflated", "start", "upload")).isZero();
    }
}
