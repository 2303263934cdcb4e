package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketDecoder;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The server side of one WebSocket, as an {@link EmbeddedChannel}: what the session writes shows up as frames. */
final class TestSocket {
    final EmbeddedChannel channel;
    final WebSocketTransport transport;

    TestSocket(EmbeddedChannel channel) {
        this.channel = channel;
        this.transport = new WebSocketTransport(channel);
    }

    /**
     * Reads (and releases) every frame written so far: a text frame as its text, a binary frame as
     * {@code <binary hex>}, a close frame as {@code <close code>}.
     */
    List<String> frames() {
        List<String> frames = new ArrayList<>();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            try {
                frames.add(describe(msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return frames;
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** The client sends a text frame (decoded as the WebSocket handler does). */
    void sendText(EngineIoSession session, String frame) {
        session.onWebSocketPacket(transport, EngineIoPacketDecoder.decodeText(frame));
    }

    /** The client sends a binary frame. */
    void sendBinary(EngineIoSession session, byte[] data) {
        session.onWebSocketPacket(transport, EngineIoPacket.binary(data));
    }

    static String binary(byte[] data) {
        return "<binary " + HexFormat.of().formatHex(data) + ">";
    }

    private static String describe(Object msg) {
        if (msg instanceof TextWebSocketFrame text) {
            return text.text();
        }
        if (msg instanceof BinaryWebSocketFrame bin) {
            return binary(ByteBufUtil.getBytes(bin.content()));
        }
        if (msg instanceof CloseWebSocketFrame close) {
            return "<close " + close.statusCode() + ">";
        }
        return "<unexpected " + msg + ">";
    }
}
