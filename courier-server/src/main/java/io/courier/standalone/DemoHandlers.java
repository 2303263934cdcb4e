package io.courier.standalone;

import io.courier.Courier;
import java.util.Map;

/**
 * What the standalone server does until the hub lands: a shared message board. A {@code message} event with a text is
 * sent to every connected socket as {@code message} with {@code {from, text}}; {@code whoami} acks the socket id.
 */
final class DemoHandlers {
    private DemoHandlers() {}

    static void install(Courier io) {
        io.onConnection(socket -> {
            io.emit(
                    "presence",
                    Map.of("id", socket.id(), "online", io.sockets().sockets().size()));
            socket.on("message", (args, ack) -> {
                String text = args.getString(0);
                io.emit("message", Map.of("from", socket.id(), "text", text == null ? "" : text));
                ack.reply(Map.of("ok", true));
            });
            socket.on("whoami", (args, ack) -> ack.reply(socket.id()));
            socket.onDisconnect(reason -> io.emit(
                    "presence",
                    Map.of("id", socket.id(), "online", io.sockets().sockets().size(), "left", reason.text())));
        });
    }
}
