package io.courier.bench.peer;

import io.courier.Courier;
import io.courier.redis.RedisCluster;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Courier as a bench peer, on its embedded API with the defaults: {@code broadcast} emits the same arguments to every
 * socket, {@code echo} acks with the same arguments. Options: {@code --durable DIR} turns on durable queues (then
 * {@code subscribe <channel>} subscribes the socket's identity, acked with {@code true}, and {@code publish <channel>
 * args...} publishes the args as event {@code broadcast}, acked once stored); {@code --redis URI --redis-key KEY} joins
 * a cluster over Redis; {@code --inline} adds the {@code echo} listener with {@code Socket.onInline} (run on the
 * event loop, no hop to the handler executor). Usage: {@code CourierPeer <port> [options]}.
 */
public final class CourierPeer {
    private CourierPeer() {}

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Path durable = null;
        String redis = null;
        String redisKey = "socket.io";
        boolean inline = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--durable" -> durable = Path.of(args[++i]);
                case "--redis" -> redis = args[++i];
                case "--redis-key" -> redisKey = args[++i];
                case "--inline" -> inline = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        RedisCluster cluster =
                redis == null ? null : RedisCluster.builder(redis).key(redisKey).connect();
        Path dir = durable;
        boolean echoInline = inline;
        Courier io = Courier.create(c -> {
            c.port(port);
            if (dir != null) {
                c.durableQueues(d -> d.directory(dir));
            }
            if (cluster != null) {
                c.adapter(cluster);
            }
        });
        io.onConnection(socket -> {
            socket.on("broadcast", (a, ack) -> io.emit("broadcast", a.toArray()));
            if (echoInline) {
                socket.onInline("echo", (a, ack) -> ack.reply(a.toArray()));
            } else {
                socket.on("echo", (a, ack) -> ack.reply(a.toArray()));
            }
            if (dir != null) {
                socket.on("subscribe", (a, ack) -> io.durable()
                        .identity(socket)
                        .ifPresentOrElse(
                                id -> io.durable()
                                        .subscribe(id, a.getString(0))
                                        .whenComplete((v, e) -> ack.reply(e == null)),
                                () -> ack.reply(false)));
                socket.on("publish", (a, ack) -> {
                    Object[] all = a.toArray();
                    io.durable()
                            .publish(a.getString(0), "broadcast", Arrays.copyOfRange(all, 1, all.length))
                            .whenComplete((p, e) -> ack.reply(e == null));
                });
            }
        });
        io.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            io.close();
            if (cluster != null) {
                cluster.close();
            }
        }));
    }
}
