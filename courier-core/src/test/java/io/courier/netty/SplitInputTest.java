package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.EngineIoCloseReason;
import io.courier.engine.EngineIoConfig;
import io.courier.engine.EngineIoServer;
import io.courier.engine.RecordingListener;
import io.courier.testing.ClientFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP request handling of {@link HttpRequestHandler} and the WebSocket message gathering of
 * {@link WebSocketFrameHandler}, fed with input split at every byte: the result never depends on how TCP cut it.
 */
class SplitInputTest {
    private final RecordingListener listener = new RecordingListener();
    private final List<String> received = listener.messages;
    private final EngineIoServer engine = new EngineIoServer(EngineIoConfig.defaults(), session -> listener);
    private final CourierHttpServer.Routes routes = new CourierHttpServer.Routes();

    SplitInputTest() {
        routes.add(new EngineEndpoint("/engine.io/", engine, CorsPolicy.anyOrigin()));
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new HttpServerCodec(), new HttpRequestHandler(routes));
    }

    private String handshake(EmbeddedChannel ch) {
        ch.writeInbound(ascii("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n"));
        String response = readAll(ch);
        int start = response.indexOf("{\"sid\":\"") + 8;
        return response.substring(start, response.indexOf('"', start));
    }

    @Test
    void aPollingPostSplitAtEveryByteDeliversTheSamePackets() {
        String body = "4hello\u001e4wörld\u001ebAQIDBA==";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        for (int split = 1; split < 200; split++) {
            EmbeddedChannel ch = channel();
            String sid = handshake(ch);
            byte[] request = concat(
                    ascii("POST /engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + bodyBytes.length
                            + "\r\n\r\n"),
                    bodyBytes);
            if (split >= request.length) {
                ch.finishAndReleaseAll();
                break;
            }
            received.clear();
            ch.writeInbound(Unpooled.wrappedBuffer(request, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(request, split, request.length - split));
            assertThat(readAll(ch))
                    .as("split at %d", split)
                    .startsWith("HTTP/1.1 200 OK")
                    .endsWith("ok");
            assertThat(received).as("split at %d", split).containsExactly("hello", "wörld", "<binary 01020304>");
            engine.session(sid).abort(EngineIoCloseReason.FORCED_CLOSE);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aChunkedPollingPostIsGatheredBeforeDecoding() {
        EmbeddedChannel ch = channel();
        String sid = handshake(ch);
        ch.writeInbound(ascii("POST /engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n3\r\n4ab\r\n4\r\nc\u001e4d\r\n0\r\n\r\n"));
        assertThat(readAll(ch)).endsWith("ok");
        assertThat(received).containsExactly("abc", "d");
        ch.finishAndReleaseAll();
    }

    @Test
    void aFragmentedWebSocketMessageSplitAtEveryByteIsOneMessage() {
        // "4hello" as a text frame with FIN=0 carrying "4he", then a continuation with FIN=1 carrying "llo"
        byte[] frames = concat(ClientFrames.masked(0x01, utf8("4he")), ClientFrames.masked(0x80, utf8("llo")));
        for (int split = 1; split < frames.length; split++) {
            EmbeddedChannel ch = webSocketChannel();
            received.clear();
            ch.writeInbound(Unpooled.wrappedBuffer(frames, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(frames, split, frames.length - split));
            assertThat(received).as("split at %d", split).containsExactly("hello");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void webSocketFramesOfEveryKindSplitAtEveryByteAreTheSameMessagesInOrder() {
        // whole text and binary frames (WebSocketFrameHandler's own reading), one with a 16-bit length, then what
        // Netty's decoder reads: a
        // ping, a fragmented message; then whole frames again
        String medium = "4" + "m".repeat(300);
        byte[] frames = concat(
                concat(ClientFrames.masked(0x81, utf8("4héllo")), ClientFrames.masked(0x82, new byte[] {4, 1, 2})),
                concat(
                        concat(ClientFrames.masked(0x81, utf8(medium)), ClientFrames.masked(0x89, utf8("p"))),
                        concat(
                                concat(ClientFrames.masked(0x01, utf8("4fr")), ClientFrames.masked(0x80, utf8("ag"))),
                                ClientFrames.masked(0x81, utf8("4last")))));
        for (int split = 1; split < frames.length; split++) {
            EmbeddedChannel ch = webSocketChannel();
            received.clear();
            ch.writeInbound(Unpooled.wrappedBuffer(frames, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(frames, split, frames.length - split));
            assertThat(received)
                    .as("split at %d", split)
                    .containsExactly("héllo", "<binary 040102>", medium.substring(1), "frag", "last");
            assertThat(readAll(ch, StandardCharsets.ISO_8859_1))
                    .as("split at %d: the pong", split)
                    .isEqualTo("\u008a\u0001p");
            ch.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel webSocketChannel() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        assertThat(readAll(ch)).contains("101 Switching Protocols");
        return ch;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static byte[] concat(ByteBuf head, byte[] tail) {
        byte[] h = new byte[head.readableBytes()];
        head.readBytes(h);
        head.release();
        return concat(h, tail);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Everything the channel wrote, as text (released). */
    private static String readAll(EmbeddedChannel ch) {
        return readAll(ch, StandardCharsets.UTF_8);
    }

    private static String readAll(EmbeddedChannel ch, Charset charset) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                sb.append(b.toString(charset));
                b.release();
            } else {
                io.netty.util.ReferenceCountUtil.release(o);
            }
        }
        return sb.toString();
    }
}
