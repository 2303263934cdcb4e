package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.EventArgs;
import io.courier.RemoteSocket;
import io.courier.interop.support.ClientScript;
import io.courier.protocol.Parser;
import io.courier.redis.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A mixed cluster on the local Redis (127.0.0.1:6379): two Courier nodes with {@link RedisCluster} and, started by
 * {@code redis-cluster.js}, a Node.js socket.io 4.8 server with the official {@code @socket.io/redis-adapter} (its
 * classic and its sharded protocol) and the official {@code @socket.io/redis-emitter}; the official npm client on every
 * node. Broadcasts, rooms, except, binary,
 * fetchSockets, socketsJoin/Leave, disconnectSockets, server-side emits with acks and broadcasts with acks, each
 * started from a Courier node and from the Node server. Each run uses a key of its own, so runs never hear each other.
 * Once more with every node and client on the msgpack parser ({@code socket.io-msgpack-parser}): what crosses Redis
 * is the packet, not its wire form, so the cluster path must not care.
 */
class RedisClusterIT {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private final String key = "courier-it-" + UUID.randomUUID();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
    }

    @ParameterizedTest(name = "{0} pub/sub, {1} parser")
    @CsvSource({"classic, default", "sharded, default", "classic, msgpack"})
    void courierAndSocketIoNodesActAsOneServer(String protocol, String parser) throws Exception {
        Courier a = node("A", protocol, Parser.named(parser));
        Courier b = node("B", protocol, Parser.named(parser));
        ClientScript.Result r = ClientScript.of("redis-cluster.js")
                .env("COURIER_PARSER", parser)
                .env("COURIER_URL", "http://127.0.0.1:" + a.port())
                .env("COURIER_A", "http://127.0.0.1:" + a.port())
                .env("COURIER_B", "http://127.0.0.1:" + b.port())
                .env("REDIS_URL", REDIS)
                .env("CLUSTER_KEY", key)
                .env("ADAPTER", protocol)
                .timeout(Duration.ofSeconds(120))
                .run();
        assertThat(r.ok()).as(r.describe()).isTrue();
    }

    /** A started Courier node in the cluster, with the handlers redis-cluster.js describes. */
    private Courier node(String name, String protocol, Parser parser) {
        RedisCluster.Builder builder = RedisCluster.builder(REDIS).key(key);
        if (protocol.equals("sharded")) {
            builder.sharded(RedisCluster.SubscriptionMode.DYNAMIC);
        }
        RedisCluster cluster = builder.connect();
        opened.add(cluster);
        Courier io =
                Courier.create(c -> c.host("127.0.0.1").port(0).adapter(cluster).parser(parser));
        opened.add(io::close);
        io.onConnection(socket -> {
            socket.data().put("name", socket.handshake().auth("name").orElse("?"));
            socket.data().put("node", name);
            socket.on("whoami", (args, ack) -> ack.reply(name));
            socket.on("join", (args, ack) -> {
                socket.join(args.getString(0));
                ack.reply();
            });
            socket.on("emit-all", (args, ack) -> {
                io.emit(args.getString(0), value(args, 1));
                ack.reply();
            });
            socket.on("emit-room", (args, ack) -> {
                io.to(args.getString(0)).emit(args.getString(1), value(args, 2));
                ack.reply();
            });
            socket.on("broadcast", (args, ack) -> {
                socket.broadcast().emit(args.getString(0), value(args, 1));
                ack.reply();
            });
            socket.on(
                    "fetch",
                    (args, ack) -> io.in(rooms(args)).fetchSockets().thenAccept(found -> ack.reply(describe(found))));
            socket.on("sockets-join", (args, ack) -> {
                io.in(args.getString(0)).socketsJoin(args.getString(1));
                ack.reply();
            });
            socket.on("sockets-leave", (args, ack) -> {
                io.in(args.getString(0)).socketsLeave(args.getString(1));
                ack.reply();
            });
            socket.on("disconnect-room", (args, ack) -> {
                io.in(args.getString(0)).disconnectSockets(true);
                ack.reply();
            });
            socket.on("server-ack", (args, ack) -> io.serverSideEmitWithAck("ping")
                    .thenAccept(answers -> ack.reply(firstOfEach(answers))));
            socket.on("server-emit", (args, ack) -> {
                io.serverSideEmit("note", value(args, 0));
                ack.reply();
            });
            socket.on("ask-all", (args, ack) -> io.timeout(Duration.ofSeconds(5))
                    .emitWithAck("question")
                    .thenAccept(answers -> ack.reply(firstOfEach(answers))));
            socket.on("emit-to", (args, ack) -> io.fetchSockets().thenAccept(found -> {
                found.stream()
                        .filter(s -> args.getString(0).equals(s.data().get("name")))
                        .forEach(s -> s.emit("news", value(args, 1)));
                ack.reply();
            }));
        });
        io.onServerSideEmit("ping", (args, ack) -> ack.reply(name));
        io.onServerSideEmit("note", (args, ack) -> io.local().emit("noted", name, value(args, 0)));
        io.start();
        return io;
    }

    /** An argument as it came: binary as bytes, anything else as its JSON tree. */
    private static Object value(EventArgs args, int i) {
        return args.get(i).isBinary() ? args.getBytes(i) : args.get(i);
    }

    private static String[] rooms(EventArgs args) {
        if (args.get(0).isArray()) {
            List<String> out = new ArrayList<>();
            args.get(0).forEach(n -> out.add(n.asText()));
            return out.toArray(String[]::new);
        }
        return new String[] {args.getString(0)};
    }

    private static List<Map<String, Object>> describe(List<RemoteSocket> found) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RemoteSocket s : found) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("id", s.id());
            one.put("rooms", s.rooms().stream().sorted().toList());
            one.put("data", s.data());
            out.add(one);
        }
        out.sort(Comparator.comparing(m -> String.valueOf(((Map<?, ?>) m.get("data")).get("name"))));
        return out;
    }

    private static List<String> firstOfEach(List<EventArgs> answers) {
        return answers.stream().map(a -> a.getString(0)).sorted().toList();
    }
}
