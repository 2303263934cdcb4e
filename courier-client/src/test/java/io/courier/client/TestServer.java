package io.courier.client;

import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * An embedded Courier on a free loopback port with a small contract for the client's tests: on {@code /}, {@code echo}
 * acks its arguments, {@code message} is emitted back as {@code message-back}, {@code request-ack} asks the client for
 * an ack ({@code please-ack}) and emits the reply as {@code ack-received}; {@code disconnect-me} disconnects the socket;
 * {@code /admin} emits {@code auth} with the handshake auth; {@code /private} refuses unless
 * {@code auth.token == "secret"}. Sockets that connect are offered on {@link #sockets}.
 */
final class TestServer implements AutoCloseable {
    final Courier io;
    final BlockingQueue<Socket> sockets = new LinkedBlockingQueue<>();
    final BlockingQueue<String> disconnects = new LinkedBlockingQueue<>();

    TestServer(Consumer<CourierConfig.Builder> extra) {
        io = Courier.create(c -> {
            c.host("127.0.0.1").port(0).pingInterval(Duration.ofSeconds(1)).pingTimeout(Duration.ofSeconds(2));
            extra.accept(c);
        });
        io.onConnection(socket -> {
            socket.on("echo", (args, ack) -> ack.reply(args.toArray()));
            socket.on("message", (args, ack) -> socket.emit("message-back", args.toArray()));
            socket.on("request-ack", (args, ack) -> socket.emitWithAck("please-ack", args.toArray())
                    .thenAccept(reply -> socket.emit("ack-received", reply.toArray())));
            socket.on("disconnect-me", (args, ack) -> socket.disconnect(false));
            socket.onDisconnect(reason -> disconnects.add(reason.text()));
            sockets.add(socket);
        });
        io.of("/admin")
                .onConnection(socket -> socket.emit("auth", socket.handshake().auth()));
        io.of("/private").use((socket, next) -> {
            if (socket.handshake().auth("token").filter("secret"::equals).isPresent()) {
                next.accept();
            } else {
                next.reject("unauthorized", Map.of("reason", "invalid token"));
            }
        });
        io.of("/private")
                .onConnection(socket -> socket.emit("auth", socket.handshake().auth()));
        io.start();
    }

    TestServer() {
        this(c -> {});
    }

    String url() {
        return "http://127.0.0.1:" + io.port();
    }

    @Override
    public void close() {
        io.close();
    }
}
