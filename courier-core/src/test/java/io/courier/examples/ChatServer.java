package io.courier.examples;

import io.courier.Courier;

public class ChatServer {
    public static void main(String[] args) {
        start(3000);
    }

    public static Courier start(int port) {
        Courier io = Courier.create(config -> config.port(port).cors(cors -> cors.allowOrigin("https://chat.example")));
        io.use((socket, next) -> {
            if (socket.handshake().auth("token").isPresent()) next.accept();
            else next.reject("unauthorized");
        });
        io.onConnection(socket -> {
            socket.join("lobby");
            socket.on("chat", (args, ack) -> {
                socket.to("lobby").emit("chat", args.get(0));
                ack.reply("stored");
            });
        });
        return io.start(); // logs "Courier listening on http://0.0.0.0:3000 (Socket.IO at /socket.io/)"
    }
}
