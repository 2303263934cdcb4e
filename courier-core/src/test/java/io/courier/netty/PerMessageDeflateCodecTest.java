package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.engine.EngineIoStats;
import io.courier.engine.PerMessageDeflate;
import io.courier.engine.WebSocketTransport;
import io.courier.engine.codec.EngineIoPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PerMessageDeflateCodec} on an {@link EmbeddedChannel}: the offer/response negotiation of RFC 7692, what goes
 * out compressed (threshold, {@code compress(false)}, context takeover) checked with the JDK's own inflater, and what
 * comes in (whole and fragmented messages, the bound on inflating, corrupt data).
 */
class PerMessageDeflateCodecTest {
    private static final PerMessageDeflate DEFAULTS = PerMessageDeflate.defaults();
    private static final int MAX = 64 * 1024;

    private final EngineIoStats stats = new EngineIoStats();
    private final List<Throwable> errors = new ArrayList<>();
    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel channel(PerMessageDeflate settings, String offer) {
        PerMessageDeflateCodec.Agreement agreed = PerMessageDeflateCodec.negotiate(offer, settings);
        assertThat(agreed).as("agreement on %s", offer).isNotNull();
        channel = new EmbeddedChannel(
                new PerMessageDeflateCodec(settings, agreed, MAX, stats), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause);
                    }
                });
        return channel;
    }

    // ---- negotiation ------------------------------------------------------------------------------------------

    private static String respond(String offer, PerMessageDeflate settings) {
        PerMessageDeflateCodec.Agreement a = PerMessageDeflateCodec.negotiate(offer, settings);
        return a == null ? null : a.responseHeader();
    }

    @Test
    void acceptsWhatBrowsersAndNodeOffer() {
        assertThat(respond("permessage-deflate; client_max_window_bits", DEFAULTS))
                .isEqualTo("permessage-deflate");
        assertThat(respond("permessage-deflate", DEFAULTS)).isEqualTo("permessage-deflate");
        assertThat(respond("x-webkit-deflate-frame, permessage-deflate", DEFAULTS))
                .isEqualTo("permessage-deflate");
    }

    @Test
    void answersWithTheServersOptions() {
        PerMessageDeflate small = new PerMessageDeflate(1024, 6, true, true, 10);
        assertThat(respond("permessage-deflate; client_max_window_bits", small))
                .isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
                        + " client_max_window_bits=10");
        // the client's own limit wins when it is smaller; without the parameter in the offer we may not send one
        assertThat(respond("permessage-deflate; client_max_window_bits=9", small))
                .endsWith("client_max_window_bits=9");
        assertThat(respond("permessage-deflate", small)).doesNotContain("client_max_window_bits");
        assertThat(respond("permessage-deflate; server_no_context_takeover", DEFAULTS))
                .isEqualTo("permessage-deflate; server_no_context_takeover");
    }

    @Test
    void declinesOffersItCannotKeepAndTakesTheNext() {
        // the JDK's deflater has no window smaller than 15 bits
        assertThat(respond("permessage-deflate; server_max_window_bits=10", DEFAULTS))
                .isNull();
        assertThat(respond("permessage-deflate; server_max_window_bits=15", DEFAULTS))
                .isEqualTo("permessage-deflate");
        assertThat(respond("permessage-deflate; server_max_window_bits=10, permessage-deflate", DEFAULTS))
                .isEqualTo("permessage-deflate");
        assertThat(respond("permessage-deflate; client_max_window_bits=7", DEFAULTS))
                .isNull();
        assertThat(respond("permessage-deflate; client_max_window_bits=abc", DEFAULTS))
                .isNull();
        assertThat(respond("permessage-deflate; mystery", DEFAULTS)).isNull();
        assertThat(respond("permessage-deflate; server_no_context_takeover=1", DEFAULTS))
                .isNull();
        assertThat(respond("x-webkit-deflate-frame", DEFAULTS)).isNull();
        assertThat(respond(null, DEFAULTS)).isNull();
        assertThat(respond("permessage-deflate", null)).as("option off").isNull();
    }

    // ---- outbound ---------------------------------------------------------------------------------------------

    private static byte[] text(int size) {
        StringBuilder sb = new StringBuilder("4");
        for (int i = 0; sb.length() < size; i++) {
            sb.append("{\"event\":\"tick\",\"n\":").append(i % 97).append("},");
        }
        return sb.substring(0, size).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] inflate(Inflater inflater, byte[] compressed) throws DataFormatException {
        inflater.setInput(concat(compressed, new byte[] {0, 0, (byte) 0xff, (byte) 0xff}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = inflater.inflate(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Writes {@code frame} and returns what left the codec (the caller releases it). */
    private WebSocketFrame sent(WebSocketFrame frame) {
        channel.writeOutbound(frame);
        WebSocketFrame out = channel.readOutbound();
        assertThat(out).isNotNull();
        return out;
    }

    private static byte[] bytes(WebSocketFrame f) {
        byte[] b = ByteBufUtil.getBytes(f.content());
        f.release();
        return b;
    }

    @Test
    void compressesMessagesFromTheThresholdUpWithRsv1() throws Exception {
        channel(DEFAULTS, "permessage-deflate");
        byte[] big = text(20_000);
        WebSocketFrame out = sent(new TextWebSocketFrame(Unpooled.wrappedBuffer(big)));
        assertThat(out).isInstanceOf(TextWebSocketFrame.class);
        assertThat(out.rsv()).isEqualTo(WebSocketExtension.RSV1);
        assertThat(out.isFinalFragment()).isTrue();
        byte[] wire = bytes(out);
        assertThat(wire.length).isLessThan(big.length / 5);
        assertThat(inflate(new Inflater(true), wire)).isEqualTo(big);
        assertThat(stats.deflatedMessages()).isEqualTo(1);
        assertThat(stats.deflatedRawBytes()).isEqualTo(big.length);
        assertThat(stats.deflatedWireBytes()).isEqualTo(wire.length);

        byte[] binary = new byte[5000];
        WebSocketFrame bin = sent(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(binary)));
        assertThat(bin).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(bin.rsv()).isEqualTo(WebSocketExtension.RSV1);
        bin.release();

        byte[] small = text(DEFAULTS.threshold() - 1);
        WebSocketFrame plain = sent(new TextWebSocketFrame(Unpooled.wrappedBuffer(small)));
        assertThat(plain.rsv()).as("under the threshold").isZero();
        assertThat(bytes(plain)).isEqualTo(small);
        WebSocketFrame atThreshold = sent(new TextWebSocketFrame(Unpooled.wrappedBuffer(text(DEFAULTS.threshold()))));
        assertThat(atThreshold.rsv()).isEqualTo(WebSocketExtension.RSV1);
        atThreshold.release();

        WebSocketFrame ping = sent(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[2000])));
        assertThat(ping.rsv()).as("control frames are never compressed").isZero();
        ping.release();
        assertThat(stats.deflatedMessages()).isEqualTo(3);
    }

    @Test
    void packetsSentWithCompressFalseGoOutAsTheyAre() {
        channel(DEFAULTS, "permessage-deflate");
        EngineIoPacket big = EngineIoPacket.message(new String(text(20_000), StandardCharsets.UTF_8).substring(1));
        WebSocketTransport ws = new WebSocketTransport(channel, true);
        ws.send(List.of(
                big.uncompressed(), big, EngineIoPacket.binary(new byte[4000]).uncompressed()));
        WebSocketFrame raw = channel.readOutbound();
        WebSocketFrame compressed = channel.readOutbound();
        WebSocketFrame rawBinary = channel.readOutbound();
        assertThat(raw.rsv()).isZero();
        assertThat(bytes(raw)).isEqualTo(big.textFrameBytes());
        assertThat(compressed.rsv()).isEqualTo(WebSocketExtension.RSV1);
        compressed.release();
        assertThat(rawBinary).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(rawBinary.rsv()).isZero();
        assertThat(bytes(rawBinary)).hasSize(4000);
        assertThat(stats.deflatedMessages()).isEqualTo(1);
    }

    @Test
    void contextTakeoverCompressesARepeatAgainstTheMessageBefore() throws Exception {
        byte[] message = new byte[8000];
        new java.util.Random(7).nextBytes(message); // incompressible on its own

        channel(DEFAULTS, "permessage-deflate");
        Inflater client = new Inflater(true);
        byte[] first = bytes(sent(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))));
        byte[] second = bytes(sent(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))));
        assertThat(first.length).isGreaterThan(message.length);
        assertThat(second.length).as("back-references to the first").isLessThan(message.length / 10);
        assertThat(inflate(client, first)).isEqualTo(message);
        assertThat(inflate(client, second)).isEqualTo(message);
        channel.finishAndReleaseAll();

        channel(new PerMessageDeflate(1024, 6, true, false, 15), "permessage-deflate");
        Inflater fresh = new Inflater(true);
        byte[] a = bytes(sent(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))));
        byte[] b = bytes(sent(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))));
        assertThat(b).as("no context takeover: the same bytes each time").isEqualTo(a);
        assertThat(inflate(fresh, a)).isEqualTo(message);
        fresh.reset();
        assertThat(inflate(fresh, b)).isEqualTo(message);
    }

    // ---- inbound ----------------------------------------------------------------------------------------------

    /** The client side: a raw deflate stream with sync flushes, the trailing 4 bytes removed. */
    private static final class ClientDeflater {
        private final Deflater deflater = new Deflater(6, true);

        /** A whole message. */
        byte[] compress(byte[] data) {
            byte[] all = fragment(data);
            return Arrays.copyOf(all, all.length - 4);
        }

        /** A fragment of a message that goes on: the sync flush's trailing bytes stay. */
        byte[] fragment(byte[] data) {
            deflater.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            do {
                n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                out.write(buf, 0, n);
            } while (n == buf.length);
            return out.toByteArray();
        }
    }

    private WebSocketFrame received() {
        WebSocketFrame f = channel.readInbound();
        assertThat(f).as("a frame passed on").isNotNull();
        return f;
    }

    @Test
    void inflatesCompressedMessagesAndPassesPlainOnes() {
        channel(DEFAULTS, "permessage-deflate");
        ClientDeflater client = new ClientDeflater();
        byte[] message = text(10_000);
        channel.writeInbound(new TextWebSocketFrame(
                true, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(client.compress(message))));
        WebSocketFrame in = received();
        assertThat(in).isInstanceOf(TextWebSocketFrame.class);
        assertThat(in.rsv()).isZero();
        assertThat(bytes(in)).isEqualTo(message);

        // context takeover on the client side: the second message refers back to the first
        channel.writeInbound(new TextWebSocketFrame(
                true, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(client.compress(message))));
        assertThat(bytes(received())).isEqualTo(message);

        byte[] plain = "42[\"hi\"]".getBytes(StandardCharsets.UTF_8);
        channel.writeInbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(plain)));
        assertThat(bytes(received())).isEqualTo(plain);
        assertThat(stats.inflatedMessages()).isEqualTo(2);
        assertThat(errors).isEmpty();
    }

    @Test
    void inflatesAFragmentedMessageFrameByFrame() {
        channel(DEFAULTS, "permessage-deflate");
        byte[] message = text(30_000);
        byte[] compressed = new ClientDeflater().compress(message);
        int cut = compressed.length / 2; // anywhere: the fragments are slices of one stream
        channel.writeInbound(new BinaryWebSocketFrame(
                false, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(Arrays.copyOfRange(compressed, 0, cut))));
        channel.writeInbound(new ContinuationWebSocketFrame(
                true, 0, Unpooled.wrappedBuffer(Arrays.copyOfRange(compressed, cut, compressed.length))));
        WebSocketFrame first = received();
        WebSocketFrame rest = received();
        assertThat(first).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(first.isFinalFragment()).isFalse();
        assertThat(rest).isInstanceOf(ContinuationWebSocketFrame.class);
        assertThat(concat(bytes(first), bytes(rest))).isEqualTo(message);
        assertThat(stats.inflatedMessages()).isEqualTo(1);
    }

    @Test
    void aMessageThatInflatesPastTheLimitIsRefusedWithoutInflatingIt() {
        channel(DEFAULTS, "permessage-deflate");
        byte[] bomb = new ClientDeflater().compress(new byte[50 * MAX]);
        assertThat(bomb.length).as("small on the wire").isLessThan(MAX / 10);
        channel.writeInbound(new BinaryWebSocketFrame(true, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(bomb)));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(errors).singleElement().isInstanceOf(TooLongFrameException.class);
        // what follows on the broken connection is dropped
        channel.writeInbound(new TextWebSocketFrame("40"));
        assertThat((Object) channel.readInbound()).isNull();
    }

    @Test
    void theLimitCountsTheWholeMessageAcrossFragments() {
        channel(DEFAULTS, "permessage-deflate");
        ClientDeflater client = new ClientDeflater();
        byte[] part = new byte[MAX / 2 + 1];
        channel.writeInbound(new BinaryWebSocketFrame(
                false, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(client.fragment(part))));
        received().release();
        assertThat(errors).isEmpty();
        channel.writeInbound(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(client.compress(part))));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(errors).singleElement().isInstanceOf(TooLongFrameException.class);
    }

    @Test
    void exactlyTheLimitPasses() {
        channel(DEFAULTS, "permessage-deflate");
        byte[] message = new byte[MAX];
        channel.writeInbound(new BinaryWebSocketFrame(
                true, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(new ClientDeflater().compress(message))));
        assertThat(bytes(received())).hasSize(MAX);
        assertThat(errors).isEmpty();
    }

    @Test
    void dataThatDoesNotInflateIsInvalidPayload() {
        channel(DEFAULTS, "permessage-deflate");
        ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x13, 0x37});
        channel.writeInbound(new TextWebSocketFrame(true, WebSocketExtension.RSV1, garbage));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(errors)
                .singleElement()
                .isInstanceOfSatisfying(
                        CorruptedWebSocketFrameException.class,
                        e -> assertThat(e.closeStatus().code()).isEqualTo(1007));
    }

    @Test
    void aContinuationWithRsv1KeepsItForTheFrameHandlerToRefuse() {
        channel(DEFAULTS, "permessage-deflate");
        ClientDeflater client = new ClientDeflater();
        channel.writeInbound(new TextWebSocketFrame(
                false, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(client.fragment(text(100)))));
        received().release();
        channel.writeInbound(new ContinuationWebSocketFrame(
                true, WebSocketExtension.RSV1, Unpooled.wrappedBuffer(client.compress(text(100)))));
        WebSocketFrame cont = received();
        assertThat(cont.rsv()).isEqualTo(WebSocketExtension.RSV1);
        cont.release();
    }
}
