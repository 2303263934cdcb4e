package io.courier.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.courier.AckTimeoutException;
import io.courier.Courier;
import io.courier.adapter.AdapterTimeoutException;
import io.courier.msgpack.MsgPack;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One Courier node in a cluster on the local Redis (127.0.0.1:6379), and a foreign peer: a plain Redis client that
 * publishes and reads the adapter's channels byte for byte. Shows what the node answers, what it drops (bad messages,
 * counted, harmless), and that no request waits for a peer that never answers. Each test has its own key.
 */
class RedisAdapterTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String key = "courier-test-" + UUID.randomUUID();

    private RedisCluster cluster;
    private Courier io;
    private RedisClient peerClient;
    private StatefulRedisConnection<String, String> peer;
    private StatefulRedisPubSubConnection<String, String> peerSub;
    private final BlockingQueue<String> responses = new LinkedBlockingQueue<>();
    private Socket client;
    private final BlockingQueue<Object[]> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> handled = new CompletableFuture<>(); // the connection handler ran

    @BeforeEach
    void start() throws Exception {
        cluster = RedisCluster.builder(REDIS)
                .key(key)
                .requestsTimeout(Duration.ofMillis(500))
                .connect();
        io = Courier.create(c -> c.host("127.0.0.1").port(0).adapter(cluster));
        io.onConnection(socket -> {
            socket.data().put("name", "c1");
            socket.join("lobby");
            handled.complete(null);
        });
        io.start();
        peerClient = RedisClient.create(REDIS);
        peer = peerClient.connect();
        peerSub = peerClient.connectPubSub();
        peerSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                responses.add(message);
            }
        });
        peerSub.sync().subscribe(key + "-response#/#");
        awaitNodes(1);
        client = IO.socket(
                "http://127.0.0.1:" + io.port(),
                IO.Options.builder()
                        .setTransports(new String[] {"websocket"})
                        .setForceNew(true)
                        .build());
        CompletableFuture<Void> connected = new CompletableFuture<>();
        client.on(Socket.EVENT_CONNECT, args -> connected.complete(null));
        client.on("news", args -> received.add(args));
        client.connect();
        connected.get(10, TimeUnit.SECONDS);
        // the CONNECT reply goes out before the connection handlers run (on the socket's lane): a peer's request sent
        // as soon as the client is connected could find the socket in no room yet (seen once under load)
        handled.get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (io != null) {
            io.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (peerClient != null) {
            peerClient.shutdown();
        }
    }

    @Test
    void aForeignPublishersGarbageIsDroppedAndCountedAndHarmsNothing() throws Exception {
        byte[][] garbage = {
            new byte[] {(byte) 0xc1},
            HexFormat.of().parseHex("dd7fffffff"), // an array claiming 2^31 elements
            ("91".repeat(200) + "c0").getBytes(StandardCharsets.ISO_8859_1), // not hex: bytes 0x39 0x31...
            HexFormat.of().parseHex("91".repeat(200) + "c0"), // nested 200 deep
            HexFormat.of().parseHex("93a3616263c0c0"), // [uid, nil, nil]
        };
        publishRaw(key + "#/#", garbage);
        publishRaw(key + "-request#/#", garbage);
        publishRaw(key + "-request#/#", "{\"type\":\"x\"}".getBytes(), "{not json".getBytes());
        publishRaw(key + "-response#/#", "{\"no\":\"requestId\"}".getBytes());
        int sent = 2 * garbage.length + 3;
        awaitDropped(sent);

        // the node still delivers a well-formed broadcast, as @socket.io/redis-emitter sends it
        publishRaw(
                key + "#/#",
                MsgPack.encode(JSON.readTree(
                        "[\"emitter\", {\"type\": 2, \"data\": [\"news\", \"still here\"], \"nsp\": \"/\"},"
                                + " {\"rooms\": [], \"except\": [], \"flags\": {}}]")));
        assertThat(received.poll(10, TimeUnit.SECONDS)).containsExactly("still here");
        assertThat(cluster.droppedMessages()).isEqualTo(sent);
    }

    @Test
    void aBroadcastToARoomNobodyHereIsInIsNotDelivered() throws Exception {
        publishRaw(
                key + "#/#elsewhere#",
                MsgPack.encode(
                        JSON.readTree(
                                "[\"emitter\", {\"type\": 2, \"data\": [\"news\", \"not for us\"]}, {\"rooms\": [\"elsewhere\"]}]")));
        publishRaw(
                key + "#/#lobby#",
                MsgPack.encode(
                        JSON.readTree(
                                "[\"emitter\", {\"type\": 2, \"data\": [\"news\", \"for the lobby\"]}, {\"rooms\": [\"lobby\"]}]")));
        // one connection delivers in order: had the first arrived, it would come first
        assertThat(received.poll(10, TimeUnit.SECONDS)).containsExactly("for the lobby");
        assertThat(cluster.droppedMessages()).isZero();
    }

    @Test
    void answersAPeersFetchAndLegacyJoinOnTheResponseChannel() throws Exception {
        peer.sync()
                .publish(
                        key + "-request#/#",
                        "{\"uid\":\"peer01\",\"requestId\":\"r1\",\"type\":5,"
                                + "\"opts\":{\"rooms\":[\"lobby\"],\"except\":[]}}");
        JsonNode fetched = JSON.readTree(responses.poll(10, TimeUnit.SECONDS));
        assertThat(fetched.path("requestId").asText()).isEqualTo("r1");
        JsonNode socket = fetched.path("sockets").get(0);
        String sid = socket.path("id").asText();
        assertThat(socket.path("rooms")).extracting(JsonNode::asText).containsExactlyInAnyOrder(sid, "lobby");
        assertThat(socket.path("data").path("name").asText()).isEqualTo("c1");
        assertThat(socket.path("handshake").path("address").asText()).isNotEmpty();

        peer.sync()
                .publish(
                        key + "-request#/#",
                        "{\"uid\":\"peer01\",\"requestId\":\"r2\",\"type\":2," + "\"sid\":\"" + sid
                                + "\",\"room\":\"vip\"}");
        assertThat(JSON.readTree(responses.poll(10, TimeUnit.SECONDS))
                        .path("requestId")
                        .asText())
                .isEqualTo("r2");
        assertThat(io.in("vip").fetchSockets().get(10, TimeUnit.SECONDS))
                .extracting(s -> s.id())
                .containsExactly(sid);
    }

    @Test
    void noRequestWaitsForAPeerThatNeverAnswers() throws Exception {
        // the silent peer subscribes to the request channel, so the cluster counts two nodes
        StatefulRedisPubSubConnection<String, String> silent = peerClient.connectPubSub();
        silent.sync().subscribe(key + "-request#/#");
        awaitNodes(2);

        assertThatThrownBy(() -> io.fetchSockets().get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(AdapterTimeoutException.class)
                .cause()
                .hasMessageContaining("0 of 1 nodes answered");
        assertThatThrownBy(() -> io.serverSideEmitWithAck("ping").join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(AckTimeoutException.class);
        assertThatThrownBy(() -> io.timeout(Duration.ofMillis(300))
                        .emitWithAck("news", "anyone?")
                        .join())
                .hasCauseInstanceOf(AckTimeoutException.class);
        silent.close();
    }

    private void publishRaw(String channel, byte[]... messages) {
        try (StatefulRedisConnection<byte[], byte[]> raw = peerClient.connect(ByteArrayCodec.INSTANCE)) {
            for (byte[] m : messages) {
                raw.sync().publish(channel.getBytes(StandardCharsets.UTF_8), m);
            }
        }
    }

    private void awaitNodes(int n) throws Exception {
        for (int i = 0; i < 500; i++) {
            Map<String, Long> counts = peer.sync().pubsubNumsub(key + "-request#/#");
            if (counts.values().stream().mapToLong(Long::longValue).sum() == n) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the request channel never had " + n + " subscribers");
    }

    private void awaitDropped(long n) throws InterruptedException {
        for (int i = 0; i < 1000 && cluster.droppedMessages() < n; i++) {
            Thread.sleep(10);
        }
        assertThat(cluster.droppedMessages()).isEqualTo(n);
    }
}
