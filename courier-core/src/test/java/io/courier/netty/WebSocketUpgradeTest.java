package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.engine.PerMessageDeflate;
import io.courier.engine.RecordingListener;
import io.courier.testing.ClientFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The opening handshake of {@link WebSocketUpgrade}: the 101 answer written as bytes (the same bytes Netty's
 * handshaker wrote), sent with the open packet in one flush, and the HTTP stages gone from the pipeline, which keeps one
 * stage (the frame handler, its encoder too) or, with permessage-deflate, the codec and an encoder stage.
 */
class WebSocketUpgradeTest {
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    /** RFC 6455 section 1.3: the answer to its sample key. */
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private final RecordingListener listener = new RecordingListener();
    private final List<String> received = listener.messages;

    private EmbeddedChannel channel(EngineIoConfig config) {
        EngineIoServer engine = new EngineIoServer(config, session -> listener);
        CourierHttpServer.Routes routes = new CourierHttpServer.Routes();
        routes.add(new EngineEndpoint("/engine.io/", engine, CorsPolicy.anyOrigin()));
        return new EmbeddedChannel(new HttpServerCodec(), new HttpRequestHandler(routes));
    }

    private static String upgrade(String extra) {
        return "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + KEY + "\r\n" + extra
                + "\r\n";
    }

    @Test
    void the101AnswerAndTheOpenPacketGoOutInOneFlushAndTheHttpStagesLeave() {
        EmbeddedChannel ch = channel(EngineIoConfig.defaults());
        ch.writeInbound(ascii(upgrade("")));
        List<ByteBuf> written = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            written.add((ByteBuf) o);
        }
        String head = "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                + "sec-websocket-accept: " + ACCEPT + "\r\n\r\n";
        String all = text(written);
        assertThat(all).startsWith(head);
        String open = all.substring(head.length() + 2); // the frame's two header bytes: 0x81, length
        assertThat(all.charAt(head.length())).isEqualTo((char) 0x81);
        assertThat((int) all.charAt(head.length() + 1)).isEqualTo(open.length());
        assertThat(open)
                .matches("0\\{\"sid\":\"[A-Za-z0-9_-]{22}\",\"upgrades\":\\[\\],\"pingInterval\":25000,"
                        + "\"pingTimeout\":20000,\"maxPayload\":1000000\\}");
        assertThat(ch.pipeline().get(HttpServerCodec.class)).isNull();
        assertThat(ch.pipeline().get(HttpRequestHandler.class)).isNull();
        assertThat(ch.pipeline().get(WebSocketFrameHandler.class)).isNotNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void withoutCompressionTheFrameHandlerIsTheOneStageLeftAndEncodesTheFramesWrittenToTheChannel() {
        EmbeddedChannel ch = channel(EngineIoConfig.defaults());
        ch.writeInbound(ascii(upgrade("")));
        assertThat(readAll(ch)).contains("101 Switching Protocols");
        // no encoder stage of its own: one context less on every connection
        assertThat(ch.pipeline().toMap().values()).singleElement().isInstanceOf(WebSocketFrameHandler.class);
        ch.writeAndFlush(new TextWebSocketFrame("4hi"));
        assertThat(readAll(ch)).isEqualTo("\u0081\u00034hi");
        ch.finishAndReleaseAll();
    }

    @Test
    void framesThatArriveWithTheRequestReachTheSession() {
        EmbeddedChannel ch = channel(EngineIoConfig.defaults());
        // the request and a message in one read: the HTTP decoder holds the frame's bytes when the upgrade happens
        ch.writeInbound(Unpooled.wrappedBuffer(
                upgrade("").getBytes(StandardCharsets.US_ASCII),
                ClientFrames.masked(0x81, "4hello".getBytes(StandardCharsets.UTF_8))));
        assertThat(readAll(ch)).contains("101 Switching Protocols");
        assertThat(received).containsExactly("hello");
        ch.finishAndReleaseAll();
    }

    @Test
    void withPerMessageDeflateTheAnswerNamesTheExtensionFirst() {
        EngineIoConfig d = EngineIoConfig.defaults();
        EmbeddedChannel ch = channel(new EngineIoConfig(
                d.pingInterval(),
                d.pingTimeout(),
                d.upgradeTimeout(),
                d.maxHttpBufferSize(),
                d.maxBufferedBytes(),
                d.transports(),
                d.allowUpgrades(),
                PerMessageDeflate.defaults()));
        ch.writeInbound(ascii(upgrade("Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        assertThat(readAll(ch))
                .startsWith("HTTP/1.1 101 Switching Protocols\r\nsec-websocket-extensions: permessage-deflate")
                .contains("\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: " + ACCEPT
                        + "\r\n\r\n");
        assertThat(ch.pipeline().names()).containsSubsequence("wsencoder", "wsdecoder", "ws-deflate", "ws-frames");
        assertThat(ch.pipeline().get(HttpServerCodec.class)).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void aKeyThatIsNotBase64Of16BytesIsRefused() {
        EmbeddedChannel ch = channel(EngineIoConfig.defaults());
        ch.writeInbound(ascii(upgrade("").replace(KEY, "dGhlIHNhbXBsZSBub25jZQ-_")));
        assertThat(readAll(ch)).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(ch.pipeline().get(WebSocketFrameHandler.class)).isNull();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aSecondUpgradeHeaderIsRefused() {
        EmbeddedChannel ch = channel(EngineIoConfig.defaults());
        ch.writeInbound(ascii(upgrade("Upgrade: websocket\r\n")));
        assertThat(readAll(ch)).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(ch.pipeline().get(WebSocketFrameHandler.class)).isNull();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void theAcceptValueIsRfc6455s() {
        assertThat(new String(WebSocketUpgrade.acceptKey(KEY), StandardCharsets.US_ASCII))
                .isEqualTo(ACCEPT);
        // the digest is reused per thread: a second key gets its own answer
        assertThat(new String(WebSocketUpgrade.acceptKey("x3JJHMbDL1EzLkh9GBhXDw=="), StandardCharsets.US_ASCII))
                .isEqualTo("HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    }

    @Test
    void validKeyIsWhatTheBase64DecoderReadsAs16Bytes() {
        Random random = new Random(1);
        List<String> keys = new ArrayList<>(List.of(
                KEY,
                "dGhlIHNhbXBsZSBub25jZR==",
                "dGhlIHNhbXBsZSBub25jZQ=A",
                "dGhlIHNhbXBsZSBub25jZ===",
                "dGhlIHNhbXBsZSBub25jZQ-_",
                "dGhlIHNhbXBsZSBub25jZQ",
                "dGhlIHNhbXBsZSBub25jZQ==x",
                "dGhlIHNhbXBsZSBub25jZ Q=",
                "dGhlIHNhbXBsZSBub25jZé=="));
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[15 + random.nextInt(3)];
            random.nextBytes(b);
            String k = Base64.getEncoder().encodeToString(b);
            keys.add(k);
            if (k.length() == 24) {
                char[] c = k.toCharArray();
                c[random.nextInt(24)] = (char) (32 + random.nextInt(95));
                keys.add(new String(c));
            }
        }
        for (String k : keys) {
            assertThat(WebSocketUpgrade.validKey(k)).as(k).isEqualTo(decodesTo16Bytes(k));
        }
    }

    private static boolean decodesTo16Bytes(String key) {
        try {
            return key.length() == 24 && Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    /** The buffers' bytes as ISO-8859-1 text (one char per byte), each buffer released. */
    private static String text(List<ByteBuf> buffers) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b : buffers) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            assertThat(b.release()).isTrue();
        }
        return sb.toString();
    }

    private static String readAll(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof ByteBuf b) {
                sb.append(b.toString(StandardCharsets.ISO_8859_1));
            }
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }
}
