package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.interop.support.ConformanceServerExtension;
import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The official Java client {@code io.socket:socket.io-client} 2.1.2 against the conformance server. */
class JavaClientIT {
    @RegisterExtension
    static final ConformanceServerExtension server = new ConformanceServerExtension();

    private final List<Socket> opened = new ArrayList<>();

    @AfterEach
    void closeSockets() {
        opened.forEach(Socket::close);
    }

    private Socket socket(String nsp, String transports, Map<String, String> auth) {
        IO.Options options = IO.Options.builder()
                .setForceNew(true)
                .setReconnection(false)
                .setTransports(
                        transports.equals("upgrade")
                                ? new String[] {"polling", "websocket"}
                                : new String[] {transports})
                .setAuth(auth)
                .build();
        Socket s = IO.socket(URI.create("http://127.0.0.1:" + server.port() + nsp), options);
        opened.add(s);
        return s;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static CompletableFuture<Object[]> next(Socket s, String event) {
        CompletableFuture<Object[]> f = new CompletableFuture<>();
        s.once(event, f::complete);
        return f;
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket", "upgrade"})
    void connectsWithAuthAndExchangesEventsAndAcks(String transports) throws Exception {
        Socket s = socket("/", transports, Map.of("token", "abc"));
        CompletableFuture<Object[]> auth = next(s, "auth");
        s.connect();
        assertThat(((JSONObject) await(auth)[0]).getString("token")).isEqualTo("abc");

        CompletableFuture<Object[]> back = next(s, "message-back");
        s.emit("message", 1, "two", new JSONObject().put("three", 3));
        Object[] echoed = await(back);
        assertThat(echoed[0]).isEqualTo(1);
        assertThat(echoed[1]).isEqualTo("two");
        assertThat(((JSONObject) echoed[2]).getInt("three")).isEqualTo(3);

        CompletableFuture<Object[]> acked = new CompletableFuture<>();
        s.emit("message-with-ack", new Object[] {"x", 42}, (Ack) acked::complete);
        assertThat(await(acked)).containsExactly("x", 42);
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void binaryTravelsBothWays(String transports) throws Exception {
        Socket s = socket("/", transports, Map.of());
        CompletableFuture<Object[]> auth = next(s, "auth");
        s.connect();
        await(auth);
        byte[] payload = {1, 2, 3, (byte) 0xff};
        CompletableFuture<Object[]> acked = new CompletableFuture<>();
        s.emit("message-with-ack", new Object[] {payload}, (Ack) acked::complete);
        assertThat((byte[]) await(acked)[0]).containsExactly(payload);
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void serverAcksReachTheServer(String transports) throws Exception {
        Socket s = socket("/", transports, Map.of());
        s.on("please-ack", args -> ((Ack) args[args.length - 1]).call("reply", 7));
        CompletableFuture<Object[]> received = next(s, "ack-received");
        CompletableFuture<Object[]> auth = next(s, "auth");
        s.connect();
        await(auth);
        s.emit("request-ack", "x");
        assertThat(await(received)).containsExactly("reply", 7);
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void middlewareRefusalReachesTheClientWithMessageAndData(String transports) throws Exception {
        Socket s = socket("/private", transports, Map.of("token", "wrong"));
        CompletableFuture<Object[]> error = next(s, Socket.EVENT_CONNECT_ERROR);
        s.connect();
        JSONObject err = (JSONObject) await(error)[0];
        assertThat(err.getString("message")).isEqualTo("unauthorized");
        assertThat(err.getJSONObject("data").getString("reason")).isEqualTo("invalid token");

        Socket ok = socket("/private", transports, Map.of("token", "secret"));
        CompletableFuture<Object[]> auth = next(ok, "auth");
        ok.connect();
        assertThat(((JSONObject) await(auth)[0]).getString("token")).isEqualTo("secret");
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void serverSideDisconnectIsReportedAsIoServerDisconnect(String transports) throws Exception {
        Socket s = socket("/", transports, Map.of());
        CompletableFuture<Object[]> auth = next(s, "auth");
        CompletableFuture<Object[]> disconnected = next(s, Socket.EVENT_DISCONNECT);
        s.connect();
        await(auth);
        s.emit("disconnect-me");
        assertThat(await(disconnected)[0]).isEqualTo("io server disconnect");
    }
}
