package io.courier.redis.examples;

import io.courier.Courier;
import io.courier.redis.RedisCluster;

public class ClusterNode {
    public static void main(String[] args) {
        start(Integer.parseInt(args[0]), "redis://127.0.0.1:6379");
    }

    public static Courier start(int port, String redisUri) {
        RedisCluster cluster = RedisCluster.connect(redisUri); // key "socket.io", as @socket.io/redis-adapter
        Courier io = Courier.create(config -> config.port(port).adapter(cluster));
        io.onConnection(socket -> socket.on("chat", (args, ack) -> {
            io.emit("chat", args.get(0)); // reaches the clients of every node
            ack.reply("sent");
        }));
        return io.start();
    }
}
