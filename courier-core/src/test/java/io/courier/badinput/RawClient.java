package io.courier.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.testing.ClientFrames;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A TCP connection to the server on loopback that speaks just enough HTTP/1.1 and WebSocket (RFC 6455) to send
 * malformed input byte for byte: requests are written as raw text, responses and server frames are parsed by hand.
 *
 * <p>Every read is bounded by {@link #HANG_GUARD_MILLIS}: a server that neither answers nor closes fails the test
 * instead of hanging it.
 */
final class RawClient implements AutoCloseable {
    static final int HANG_GUARD_MILLIS = 10_000;

    static final int FIN = 0x80;
    static final int RSV1 = 0x40;
    static final int RSV2 = 0x20;
    static final int RSV3 = 0x10;
    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    /** What {@link #awaitCloseCode} returns when the server ended the connection without a close frame. */
    static final int NO_CLOSE_FRAME = -1;

    /** The status of a close frame with an empty payload (RFC 6455 section 7.1.5). */
    static final int NO_STATUS_CODE = 1005;

    private final int port;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(int port, Socket socket) throws IOException {
        this.port = port;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawClient connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), HANG_GUARD_MILLIS);
        socket.setSoTimeout(HANG_GUARD_MILLIS);
        socket.setTcpNoDelay(true);
        return new RawClient(port, socket);
    }

    /** Connects and completes a WebSocket upgrade on {@code target}; fails unless the server answers 101. */
    static RawClient webSocket(int port, String target) throws IOException {
        RawClient client = connect(port);
        HttpReply reply = client.upgrade(target);
        assertThat(reply.status())
                .as("upgrade of %s answered %s", target, reply)
                .isEqualTo(101);
        return client;
    }

    /** This end of the connection, as the server logs its peer. */
    SocketAddress localAddress() {
        return socket.getLocalSocketAddress();
    }

    // ---- HTTP -------------------------------------------------------------------------------------------------

    /** The text of a request: the request line, a Host header, {@code headerLines}, then the empty line. */
    String request(String method, String target, String... headerLines) {
        StringBuilder sb = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                .append(port)
                .append("\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    /** Sends a request with the four headers of a valid WebSocket upgrade plus {@code extraHeaders}. */
    HttpReply upgrade(String target, String... extraHeaders) throws IOException {
        List<String> headers = new ArrayList<>(List.of(webSocketHeaders()));
        headers.addAll(List.of(extraHeaders));
        send(request("GET", target, headers.toArray(String[]::new)));
        return readResponse();
    }

    /** The headers of a valid RFC 6455 upgrade request with a fresh random key. */
    static String[] webSocketHeaders() {
        return new String[] {
            "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + newKey()
        };
    }

    static String newKey() {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** Writes the bytes of a string, one byte per char (ISO-8859-1), so control and 8-bit bytes go out verbatim. */
    RawClient send(String raw) throws IOException {
        return send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Writes as much of {@code bytes} as the server takes before it closes the connection: for inputs the server is
     * expected to refuse part-way. Returns false if the write was cut short.
     */
    boolean sendUntilRefused(byte[] bytes) {
        try {
            int chunk = 64 * 1024;
            for (int i = 0; i < bytes.length; i += chunk) {
                out.write(bytes, i, Math.min(chunk, bytes.length - i));
            }
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads one HTTP response; its body is read by {@code Content-Length} (the server never uses chunked replies). */
    HttpReply readResponse() throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new EOFException("the server closed the connection without a response");
        }
        String[] parts = statusLine.split(" ", 3);
        assertThat(parts[0]).as("status line %s", statusLine).startsWith("HTTP/");
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        byte[] body = new byte[0];
        List<String> length = headers.get("Content-Length");
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length.get(0)));
        }
        return new HttpReply(statusLine, status, headers, body);
    }

    /** A response, or empty when the server closed (or reset) the connection without answering. */
    Optional<HttpReply> readResponseOrClose() throws IOException {
        try {
            return Optional.of(readResponse());
        } catch (EOFException | SocketException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads until the server closes the connection (end of stream or reset) and returns what it still sent; fails if
     * the connection stays open for {@link #HANG_GUARD_MILLIS}.
     */
    byte[] awaitClosed() throws IOException {
        return readToEnd(true);
    }

    /**
     * Reads until the server ends its side of the connection in order (end of stream); fails if the connection is
     * reset instead, or stays open for {@link #HANG_GUARD_MILLIS}. Returns what the server still sent.
     */
    byte[] awaitOrderlyClose() throws IOException {
        return readToEnd(false);
    }

    /** What the server still sends until its side ends; a reset counts as the end only if {@code resetIsAnEnd}. */
    private byte[] readToEnd(boolean resetIsAnEnd) throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                rest.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open for " + HANG_GUARD_MILLIS + " ms", e);
        } catch (SocketException e) {
            if (!resetIsAnEnd) {
                throw new AssertionError("the server reset the connection instead of closing it", e);
            }
        }
        return rest.toByteArray();
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    // ---- WebSocket frames -------------------------------------------------------------------------------------

    static byte[] closePayload(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + text.length)
                .putShort((short) code)
                .put(text)
                .array();
    }

    RawClient sendFrame(int head, byte[] payload) throws IOException {
        return send(ClientFrames.masked(head, payload));
    }

    RawClient sendText(String text) throws IOException {
        return sendFrame(FIN | TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads one frame from the server. */
    Frame readFrame() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        long length = b1 & 0x7f;
        if (length == 126) {
            length = (readByte() << 8) | readByte();
        } else if (length == 127) {
            length = ByteBuffer.wrap(readBytes(8)).getLong();
        }
        assertThat(length).as("length of a server frame").isBetween(0L, 64L * 1024 * 1024);
        byte[] mask = (b1 & 0x80) != 0 ? readBytes(4) : null;
        byte[] payload = readBytes((int) length);
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x70, b0 & 0x0f, payload);
    }

    /**
     * Reads frames until the server's close frame and then the end of the connection. Other frames go to {@code
     * onOtherFrame}. Returns the close code ({@link #NO_STATUS_CODE} for an empty close payload), or {@link
     * #NO_CLOSE_FRAME} when the connection ended without one.
     */
    int awaitCloseCode(Consumer<Frame> onOtherFrame) throws IOException {
        long deadline = System.nanoTime() + HANG_GUARD_MILLIS * 1_000_000L;
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server kept the WebSocket open for " + HANG_GUARD_MILLIS + " ms");
            }
            Frame f;
            try {
                f = readFrame();
            } catch (EOFException | SocketException e) {
                return NO_CLOSE_FRAME;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept the WebSocket open for " + HANG_GUARD_MILLIS + " ms", e);
            }
            if (f.opcode() == CLOSE) {
                awaitClosed();
                return f.closeCode();
            }
            onOtherFrame.accept(f);
        }
    }

    int awaitCloseCode() throws IOException {
        return awaitCloseCode(f -> {});
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the server closed the connection");
        }
        return b;
    }

    private byte[] readBytes(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("the server closed the connection inside a frame");
        }
        return b;
    }

    /** Closes the TCP connection with a reset instead of a FIN (SO_LINGER 0), as a client that aborts does. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One HTTP response as received. */
    record HttpReply(String statusLine, int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " " + bodyText();
        }
    }

    /** One frame as received. */
    record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length < 2 ? NO_STATUS_CODE : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        @Override
        public String toString() {
            return "Frame[fin=" + fin + ", rsv=" + rsv + ", opcode=" + opcode + ", " + text() + "]";
        }
    }
}
