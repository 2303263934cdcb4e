package io.courier.netty;

import io.courier.engine.EngineIoServer;
import io.courier.engine.PerMessageDeflate;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 6455 opening handshake of an engine request: stricter header checks than Netty's (only version 13, a
 * well-formed key, one Upgrade header), then Netty's handshaker, which installs the frame codec: one encoder shared by
 * every connection (it keeps no state) and a {@link WebSocketFrameHandler}, which decodes frames and handles them in
 * one stage. The only extension is permessage-deflate, negotiated when the engine's {@code perMessageDeflate} is on
 * and the client offers it (off by default, as in the reference server): then Netty's decoder, a {@link
 * PerMessageDeflateCodec} and the {@link WebSocketFrameHandler} are three stages, the codec between the other two.
 */
final class WebSocketUpgrade {
    private static final Logger log = LoggerFactory.getLogger(WebSocketUpgrade.class);

    /** The name of a connection's {@link PerMessageDeflateCodec}, present when it negotiated permessage-deflate. */
    static final String DEFLATE_STAGE = "ws-deflate";

    /** Netty's server-side frame encoder keeps no state (it masks nothing): one instance for every connection. */
    @ChannelHandler.Sharable
    private static final class SharedFrameEncoder extends WebSocket13FrameEncoder {
        static final SharedFrameEncoder INSTANCE = new SharedFrameEncoder();

        private SharedFrameEncoder() {
            super(false);
        }
    }

    /** The decoder settings of the last upgrade, shared with the next ones that need the same (they are immutable). */
    private static volatile WebSocketDecoderConfig lastConfig;

    private WebSocketUpgrade() {}

    /** Whether the request asks to switch to WebSocket. */
    static boolean requested(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * Answers 101 and installs the frame codec (and, when negotiated, a {@link PerMessageDeflateCodec} and the frame
     * handler before {@code ctx}'s handler), or refuses (426 naming version 13, or 400) and closes the connection.
     *
     * @return the connection's frame handler, to be {@linkplain WebSocketFrameHandler#bind bound} to its session; null
     *     if the connection did not become a WebSocket
     */
    static WebSocketFrameHandler handshake(ChannelHandlerContext ctx, HttpRequest req, EngineIoServer engine) {
        int maxFramePayload = engine.config().maxHttpBufferSize();
        HttpHeaders headers = req.headers();
        if (!"13".equals(headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            // only RFC 6455; Netty would also speak the pre-RFC drafts 07 and 08
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return null;
        }
        if (!validKey(headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY))
                || headers.getAll(HttpHeaderNames.UPGRADE).size() != 1) {
            refuse(ctx, "invalid WebSocket upgrade headers");
            return null;
        }
        PerMessageDeflate deflate = engine.config().perMessageDeflate();
        PerMessageDeflateCodec.Agreement agreed =
                PerMessageDeflateCodec.negotiate(headers.get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS), deflate);
        WebSocketDecoderConfig decoderConfig = decoderConfig(maxFramePayload, agreed != null);
        WebSocketFrameHandler frames = new WebSocketFrameHandler(decoderConfig);
        // with compression the codec stands between decoding and handling: Netty's decoder first, the handler after it
        WebSocketFrameDecoder decoder = agreed == null ? frames : new WebSocket13FrameDecoder(decoderConfig);
        WebSocketServerHandshaker handshaker = new Handshaker(url(ctx, req), decoderConfig, decoder);
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(
                req.protocolVersion(),
                req.method(),
                req.uri(),
                Unpooled.EMPTY_BUFFER,
                headers,
                HttpHeaders.EMPTY_HEADERS);
        HttpHeaders responseHeaders = agreed == null
                ? null
                : new DefaultHttpHeaders().add(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, agreed.responseHeader());
        try {
            handshaker
                    .handshake(
                            ctx.channel(), full, responseHeaders, ctx.channel().newPromise())
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            ctx.close();
                        }
                    });
        } catch (WebSocketServerHandshakeException e) {
            refuse(ctx, "WebSocket handshake refused: " + e.getMessage());
            return null;
        }
        if (agreed != null) {
            ctx.pipeline()
                    .addBefore(
                            ctx.name(),
                            DEFLATE_STAGE,
                            new PerMessageDeflateCodec(deflate, agreed, maxFramePayload, engine.stats()))
                    .addBefore(ctx.name(), "ws-frames", frames);
        }
        return frames;
    }

    private static WebSocketDecoderConfig decoderConfig(int maxFramePayload, boolean extensions) {
        WebSocketDecoderConfig last = lastConfig;
        if (last != null && last.maxFramePayloadLength() == maxFramePayload && last.allowExtensions() == extensions) {
            return last;
        }
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFramePayload)
                // RSV1 marks compressed messages; WebSocketFrameHandler refuses any RSV bit the codec leaves
                .allowExtensions(extensions)
                // WebSocketFrameHandler sends the close frame, with the status of the violation
                .closeOnProtocolViolation(false)
                .build();
        lastConfig = config;
        return config;
    }

    /** Netty's RFC 6455 handshaker, installing the shared encoder and the connection's decoder. */
    private static final class Handshaker extends WebSocketServerHandshaker13 {
        private final WebSocketFrameDecoder decoder;

        Handshaker(String url, WebSocketDecoderConfig config, WebSocketFrameDecoder decoder) {
            super(url, null, config);
            this.decoder = decoder;
        }

        @Override
        protected WebSocketFrameDecoder newWebsocketDecoder() {
            return decoder;
        }

        @Override
        protected WebSocketFrameEncoder newWebSocketEncoder() {
            return SharedFrameEncoder.INSTANCE;
        }
    }

    private static void refuse(ChannelHandlerContext ctx, String why) {
        log.debug("connection {}: {}", ctx.channel().remoteAddress(), why);
        HttpResponses.write(
                ctx, HttpResponses.text(HttpResponseStatus.BAD_REQUEST, "Bad Request", "text/plain"), false);
    }

    /** RFC 6455 section 4.1: the key is the base64 of 16 random bytes. */
    private static boolean validKey(String key) {
        if (key == null || key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String url(ChannelHandlerContext ctx, HttpRequest req) {
        boolean tls = ctx.pipeline().get(SslHandler.class) != null;
        return (tls ? "wss://" : "ws://") + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
    }
}
