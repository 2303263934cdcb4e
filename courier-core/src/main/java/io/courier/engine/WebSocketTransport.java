package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.Collection;

/**
 * One WebSocket connection carrying a session (or probing to become its transport). Each packet is one frame; a
 * packet's bytes are wrapped, not copied, so a broadcast shares one array across all recipients.
 */
public final class WebSocketTransport implements Transport {
    private final Channel channel;
    private boolean closeSent; // owner loop or channel loop; a second close frame is never written

    public WebSocketTransport(Channel channel) {
        this.channel = channel;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public String name() {
        return EngineIoConfig.WEBSOCKET;
    }

    @Override
    public boolean writable() {
        return channel.isWritable();
    }

    @Override
    public void send(Collection<EngineIoPacket> packets) {
        for (EngineIoPacket p : packets) {
            channel.write(
                    p.isBinary()
                            ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p.binary()))
                            : new TextWebSocketFrame(Unpooled.wrappedBuffer(p.textFrameBytes())),
                    channel.voidPromise());
        }
        channel.flush();
    }

    @Override
    public long pendingBytes() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    @Override
    public void close(EngineIoPacket last) {
        closeWith(WebSocketCloseStatus.NORMAL_CLOSURE);
    }

    /** Sends one close frame with {@code status} (only the first call does) and closes the connection. */
    public synchronized void closeWith(WebSocketCloseStatus status) {
        if (closeSent) {
            return;
        }
        closeSent = true;
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(status)).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }
}
