package io.courier.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Engine.IO over HTTP long-polling: one GET outstanding at a time (server to client) on one connection, one POST at a
 * time (client to server) on another, packets joined by 0x1E, binary as {@code b<base64>}.
 */
final class PollingTransport implements Transport {
    private final ClientOptions options;
    private final Events events;
    private final HttpLane gets;
    private final HttpLane posts;
    private String sid;
    private boolean polling;
    private boolean posting;
    private boolean closed;
    private Runnable onPaused;

    PollingTransport(ClientOptions options, EventLoop loop, Events events) {
        this.options = options;
        this.events = events;
        this.gets = new HttpLane(options, loop);
        this.posts = new HttpLane(options, loop);
    }

    @Override
    public String name() {
        return "polling";
    }

    @Override
    public void sid(String sid) {
        this.sid = sid;
    }

    @Override
    public void open() {
        poll();
    }

    private FullHttpRequest request(HttpMethod method, ByteBuf body) {
        URI uri = options.engineUri("polling", sid, false);
        String target = uri.getRawPath() + "?" + uri.getRawQuery();
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, body);
        r.headers().set(HttpHeaderNames.HOST, options.hostHeader());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (method == HttpMethod.POST) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain;charset=UTF-8");
        }
        for (Map.Entry<String, String> h : options.extraHeaders.entrySet()) {
            r.headers().add(h.getKey(), h.getValue());
        }
        return r;
    }

    private void poll() {
        polling = true;
        gets.request(request(HttpMethod.GET, Unpooled.EMPTY_BUFFER), (status, body, failure) -> {
            polling = false;
            if (closed) {
                return;
            }
            if (failure != null || status != 200) {
                fail(failure, status, body);
                return;
            }
            List<EnginePacket> packets;
            try {
                packets = EnginePacket.decodePayload(body);
            } catch (ProtocolException e) {
                closed = true;
                close(false);
                events.onTransportError(this, "parse error", e);
                return;
            }
            for (EnginePacket p : packets) {
                if (closed) {
                    return;
                }
                events.onPacket(this, p);
            }
            if (closed) {
                return;
            }
            if (onPaused != null) {
                checkPaused();
            } else if (sid != null) {
                poll();
            }
        });
    }

    private void fail(Throwable failure, int status, String body) {
        if (closed) {
            return;
        }
        closed = true;
        close(false);
        Throwable cause = failure != null
                ? failure
                : new java.io.IOException("HTTP " + status + (body == null || body.isEmpty() ? "" : ": " + body));
        events.onTransportError(this, "transport error", cause);
    }

    @Override
    public boolean writable() {
        return !posting && !closed && sid != null && onPaused == null;
    }

    @Override
    public void send(List<EnginePacket> packets) {
        posting = true;
        ByteBuf body =
                ByteBufUtil.writeUtf8(io.netty.buffer.ByteBufAllocator.DEFAULT, EnginePacket.encodePayload(packets));
        posts.request(request(HttpMethod.POST, body), (status, text, failure) -> {
            posting = false;
            if (closed) {
                return;
            }
            if (failure != null || status != 200) {
                fail(failure, status, text);
                return;
            }
            if (onPaused != null) {
                checkPaused();
            } else {
                events.onDrain(this);
            }
        });
    }

    @Override
    public void pause(Runnable onPaused) {
        this.onPaused = onPaused;
        checkPaused();
    }

    @Override
    public void resume() {
        onPaused = null;
        if (!closed && !polling && sid != null) {
            poll();
        }
    }

    private void checkPaused() {
        if (!polling && !posting && onPaused != null) {
            Runnable r = onPaused;
            onPaused = () -> {};
            r.run();
        }
    }

    @Override
    public void close(boolean sayGoodbye) {
        boolean wasClosed = closed;
        closed = true;
        gets.close();
        if (sayGoodbye && !wasClosed && sid != null && !posting) {
            // best effort, as engine.io-client: a close packet tells the server at once; the lane closes after it
            HttpLane last = posts;
            ByteBuf body = ByteBufUtil.writeUtf8(io.netty.buffer.ByteBufAllocator.DEFAULT, "1");
            FullHttpRequest r = request(HttpMethod.POST, body);
            last.request(r, (status, text, failure) -> last.close());
            return;
        }
        posts.close();
    }
}
