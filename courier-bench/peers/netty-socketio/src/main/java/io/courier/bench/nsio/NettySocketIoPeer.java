package io.courier.bench.nsio;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.SocketConfig;
import com.corundumstudio.socketio.SocketIOServer;

/**
 * netty-socketio as a bench peer, with the library's defaults except native epoll and SO_REUSEADDR: "broadcast"
 * sends the same data to every client, "echo" acks with the same data. Usage: {@code NettySocketIoPeer <port>}.
 */
public final class NettySocketIoPeer {
    private NettySocketIoPeer() {}

    public static void main(String[] args) throws InterruptedException {
        Configuration config = new Configuration();
        config.setPort(Integer.parseInt(args[0]));
        config.setUseLinuxNativeEpoll(true);
        SocketConfig socket = new SocketConfig();
        socket.setReuseAddress(true);
        config.setSocketConfig(socket);
        SocketIOServer server = new SocketIOServer(config);
        server.addEventListener("broadcast", Object.class,
                (client, data, ack) -> server.getBroadcastOperations().sendEvent("broadcast", data));
        server.addEventListener("echo", Object.class, (client, data, ack) -> ack.sendAckData(data));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        System.out.println("netty-socketio peer listening on " + args[0]);
        Thread.currentThread().join();
    }
}
