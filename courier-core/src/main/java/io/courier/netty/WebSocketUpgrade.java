package io.courier.netty;

import io.courier.engine.EngineIoServer;
import io.courier.engine.PerMessageDeflate;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 6455 opening handshake of an engine request: stricter header checks than Netty's handshaker (only version
 * 13, a well-formed key, one Upgrade header), its 101 answer written straight as bytes, and the frame codec in place
 * of the HTTP codec: one encoder shared by every connection (it keeps no state) and a {@link WebSocketFrameHandler},
 * which decodes frames and handles them in one stage. The only extension is permessage-deflate, negotiated when the engine's {@code perMessageDeflate} is on
 * and the client offers it (off by default, as in the reference server): then Netty's decoder, a {@link
 * PerMessageDeflateCodec} and the {@link WebSocketFrameHandler} are three stages, the codec between the other two.
 */
final class WebSocketUpgrade {
    private static final Logger log = LoggerFactory.getLogger(WebSocketUpgrade.class);

    /** The name of a connection's {@link PerMessageDeflateCodec}, present when it negotiated permessage-deflate. */
    static final String DEFLATE_STAGE = "ws-deflate";

    /**
     * Netty's server-side frame encoder keeps no state (it masks nothing): one instance for every connection, as the
     * stage in front of a permessage-deflate pipeline, and called by every other connection's frame handler.
     */
    static final WebSocket13FrameEncoder FRAME_ENCODER = new SharedFrameEncoder();

    @ChannelHandler.Sharable
    private static final class SharedFrameEncoder extends WebSocket13FrameEncoder {
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
     * <p>The 101 answer is written, not flushed: the caller's next write (the Engine.IO open packet) flushes both in one
     * go. It is encoded straight into one buffer, the same bytes Netty's handshaker sends (which builds a response
     * object with its headers map, then encodes it). The caller removes the HTTP codec once the frame handler is bound
     * ({@link #finish}): Netty then hands what the client sent after the request to the frame decoder.
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
        String key = headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (!validKey(key) || !single(headers, HttpHeaderNames.UPGRADE)) {
            refuse(ctx, "invalid WebSocket upgrade headers");
            return null;
        }
        if (!HttpMethod.GET.equals(req.method())) {
            refuse(ctx, "WebSocket handshake refused: Invalid WebSocket handshake method: " + req.method());
            return null;
        }
        ChannelHandlerContext http = ctx.pipeline().context(HttpServerCodec.class);
        if (http == null) {
            refuse(ctx, "WebSocket handshake refused: no HTTP codec in the pipeline");
            return null;
        }
        PerMessageDeflate deflate = engine.config().perMessageDeflate();
        PerMessageDeflateCodec.Agreement agreed =
                PerMessageDeflateCodec.negotiate(headers.get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS), deflate);
        WebSocketDecoderConfig decoderConfig = decoderConfig(maxFramePayload, agreed != null);
        WebSocketFrameHandler frames = new WebSocketFrameHandler(decoderConfig, agreed == null);
        ChannelPipeline p = ctx.pipeline();
        // [tls] http wsdecoder courier, with compression [tls] wsencoder http wsdecoder ws-deflate ws-frames courier,
        // until the caller removes http and courier. The HTTP encoder leaves at once: what is written from here on is
        // the 101 answer and frames. Without compression the handler encodes the frames too; with it, the codec stands
        // between decoding and handling (Netty's decoder first, the handler after it) and between frames and encoder
        ((HttpServerCodec) http.handler()).removeOutboundHandler();
        if (agreed == null) {
            p.addAfter(http.name(), "wsdecoder", frames);
        } else {
            p.addBefore(http.name(), "wsencoder", FRAME_ENCODER);
            p.addAfter(http.name(), "wsdecoder", new WebSocket13FrameDecoder(decoderConfig))
                    .addAfter(
                            "wsdecoder",
                            DEFLATE_STAGE,
                            new PerMessageDeflateCodec(deflate, agreed, maxFramePayload, engine.stats()))
                    .addAfter(DEFLATE_STAGE, "ws-frames", frames);
        }
        http.write(switchingProtocols(ctx, key, agreed)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        return frames;
    }

    /** Whether {@code name} occurs exactly once (counted without copying its values into a list). */
    private static boolean single(HttpHeaders headers, CharSequence name) {
        Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(name);
        if (!values.hasNext()) {
            return false;
        }
        values.next();
        return !values.hasNext();
    }

    /**
     * After {@link #handshake} and {@link WebSocketFrameHandler#bind}: the HTTP codec and {@code httpHandler} leave the
     * pipeline; bytes the client sent after its request (already read) go on to the frame decoder.
     */
    static void finish(ChannelPipeline p, ChannelHandler httpHandler) {
        p.remove(httpHandler);
        p.remove(HttpServerCodec.class);
    }

    private static final byte[] SWITCHING = ascii("HTTP/1.1 101 Switching Protocols\r\n");
    private static final byte[] EXTENSIONS = ascii("sec-websocket-extensions: ");
    private static final byte[] UPGRADE_ACCEPT =
            ascii("upgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: ");
    private static final byte[] CRLF = ascii("\r\n");
    /** RFC 6455 section 1.3: appended to the client's key before hashing. */
    private static final byte[] ACCEPT_GUID = ascii("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");

    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    /**
     * The 101 answer: the header names and their order as Netty's handshaker writes them (the extensions header, when
     * negotiated, first).
     */
    static ByteBuf switchingProtocols(ChannelHandlerContext ctx, String key, PerMessageDeflateCodec.Agreement agreed) {
        String extensions = agreed == null ? null : agreed.responseHeader();
        ByteBuf out = ctx.alloc()
                .buffer(SWITCHING.length
                        + UPGRADE_ACCEPT.length
                        + 28
                        + 2 * CRLF.length
                        + (extensions == null ? 0 : EXTENSIONS.length + extensions.length() + CRLF.length));
        out.writeBytes(SWITCHING);
        if (extensions != null) {
            out.writeBytes(EXTENSIONS).writeCharSequence(extensions, StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        }
        out.writeBytes(UPGRADE_ACCEPT)
                .writeBytes(acceptKey(key))
                .writeBytes(CRLF)
                .writeBytes(CRLF);
        return out;
    }

    /** base64(SHA-1(key + GUID)) in ASCII bytes: 28 of them. */
    static byte[] acceptKey(String key) {
        MessageDigest sha1 = SHA1.get();
        for (int i = 0; i < key.length(); i++) {
            sha1.update((byte) key.charAt(i)); // a valid key is base64: ASCII
        }
        sha1.update(ACCEPT_GUID);
        return Base64.getEncoder().encode(sha1.digest());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
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

    private static void refuse(ChannelHandlerContext ctx, String why) {
        log.debug("connection {}: {}", ctx.channel().remoteAddress(), why);
        HttpResponses.write(
                ctx, HttpResponses.text(HttpResponseStatus.BAD_REQUEST, "Bad Request", "text/plain"), false);
    }

    /**
     * RFC 6455 section 4.1: the key is the base64 of 16 random bytes: 22 characters of the base64 alphabet and
     * {@code ==} (what {@code Base64.getDecoder()} decodes to 16 bytes, checked without decoding).
     */
    static boolean validKey(String key) {
        if (key == null || key.length() != 24 || key.charAt(22) != '=' || key.charAt(23) != '=') {
            return false;
        }
        for (int i = 0; i < 22; i++) {
            char c = key.charAt(i);
            boolean base64 =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!base64) {
                return false;
            }
        }
        return true;
    }
}
