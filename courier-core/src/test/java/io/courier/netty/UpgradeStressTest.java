package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.courier.testing.ClientFrames;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Engine.IO clients that keep sending while they switch from long-polling to WebSocket, against many fresh servers:
 * nothing a client sends may be lost, duplicated or reordered, and the session keeps working on the WebSocket (the
 * CONNECT reply arrives once, pings arrive there).
 *
 * <p>The clients are raw (hand-written HTTP/1.1 and RFC 6455 frames), so the test controls which connection carries
 * what: each client posts over two keep-alive connections in turn and upgrades on a third, so the requests of one
 * session reach the server on different event loops. A client sends its next request (or the upgrade's {@code 5})
 * the moment the previous POST is answered, as the official client does. The race this guards against depends on
 * scheduling, so it is run many times; it shows most often on a loaded machine.
 */
class UpgradeStressTest {
    private static final int SERVERS = 30;
    private static final int POLLING_SERVERS = 15;
    private static final int CLIENTS = 8;
    private static final int MESSAGES = 6;
    private static final int HANG_GUARD_MILLIS = 10_000;
    private static final String RS = "\u001e";
    private static final Pattern SID = Pattern.compile("\"sid\":\"([^\"]+)\"");

    @Test
    void clientsThatKeepSendingWhileTheyUpgradeLoseNothing() throws Exception {
        for (int server = 0; server < SERVERS; server++) {
            runAgainstFreshServer(server, true);
        }
    }

    @Test
    void pollingClientsThatPostOverSeveralConnectionsLoseNothing() throws Exception {
        for (int server = 0; server < POLLING_SERVERS; server++) {
            runAgainstFreshServer(server, false);
        }
    }

    private static void runAgainstFreshServer(int round, boolean upgrade) throws Exception {
        Map<String, List<Integer>> received = new ConcurrentHashMap<>();
        Courier io = Courier.create(c -> c.host("127.0.0.1")
                .port(0)
                .ioThreads(4)
                // pings come often, so each client sees some on its WebSocket; the timeouts only guard against hangs
                .pingInterval(Duration.ofMillis(100))
                .pingTimeout(Duration.ofSeconds(20))
                .upgradeTimeout(Duration.ofSeconds(20))
                .connectTimeout(Duration.ofSeconds(20))
                .serveClient(false));
        io.onConnection(socket -> {
            socket.on("m", (args, ack) -> received.computeIfAbsent(args.getString(0), k -> new ArrayList<>())
                    .add(args.get(1).asInt()));
            socket.on("done", (args, ack) -> ack.reply(String.valueOf(received.get(args.getString(0)))));
        });
        io.start();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Report>> reports = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                String key = "r" + round + "c" + i;
                int beforeUpgrade = i % 4; // 0: the CONNECT itself is the last packet posted before the upgrade
                reports.add(pool.submit(() -> new RawEngineClient(io.port(), key).run(upgrade, beforeUpgrade)));
            }
            for (int i = 0; i < CLIENTS; i++) {
                Report r = reports.get(i).get();
                String expected = IntStream.range(0, MESSAGES).boxed().toList().toString();
                assertThat(r.problems())
                        .as("round %d client %d: %s", round, i, r)
                        .isEmpty();
                assertThat(r.doneAck())
                        .as("round %d client %d: %s", round, i, r)
                        .isEqualTo(expected);
                assertThat(r.connectReplies())
                        .as("round %d client %d: %s", round, i, r)
                        .isEqualTo(1);
                if (upgrade) {
                    assertThat(r.webSocketPings())
                            .as("round %d client %d: %s", round, i, r)
                            .isPositive();
                }
            }
        } finally {
            pool.shutdownNow();
            io.close();
        }
    }

    /** What one client saw. */
    record Report(List<String> problems, String doneAck, int connectReplies, int webSocketPings) {}

    /** One Engine.IO client over raw connections: a poller, two POST connections, and (optionally) a WebSocket. */
    private static final class RawEngineClient {
        private final int port;
        private final String key;
        private final Queue<String> problems = new ConcurrentLinkedQueue<>();
        private final Queue<String> pongsDue = new ConcurrentLinkedQueue<>();
        private final Queue<String> polled = new ConcurrentLinkedQueue<>();
        private volatile boolean pollingPaused;
        private String sid;
        private int connectReplies;
        private int webSocketPings;
        private String doneAck;

        RawEngineClient(int port, String key) {
            this.port = port;
            this.key = key;
        }

        Report run(boolean upgrade, int beforeUpgrade) throws Exception {
            try (Http a = new Http(port);
                    Http b = new Http(port);
                    Http pollConnection = new Http(port)) {
                Http.Reply open = a.exchange("GET", path(), null);
                if (open.status() != 200 || !open.body().startsWith("0{")) {
                    problems.add("handshake: " + open);
                    return report();
                }
                sid = sidOf(open.body());
                Thread poller = Thread.ofVirtual().start(() -> poll(pollConnection));
                Http[] posts = {b, a};
                int next = 0;
                // the CONNECT, then messages 0..overPolling-1; like the official client, no event before the
                // CONNECT reply (the server may still be running the namespace's middlewares)
                int overPolling = upgrade ? beforeUpgrade : MESSAGES;
                if (!upgrade || overPolling > 0) {
                    post(posts[next++ % 2], "40");
                    if (!awaitPolled(() -> connectReplies > 0)) {
                        problems.add("no CONNECT reply over polling");
                        return report();
                    }
                }
                if (!upgrade) {
                    for (int n = 0; n < MESSAGES; n++) {
                        post(posts[next++ % 2], message(n));
                    }
                    post(posts[next++ % 2], "421[\"done\",\"" + key + "\"]");
                    if (!awaitPolled(() -> doneAck != null)) {
                        problems.add("no ack of done over polling");
                    }
                    pollingPaused = true;
                    post(posts[next % 2], "1");
                    poller.join(HANG_GUARD_MILLIS);
                    return report();
                }
                for (int n = 0; n < overPolling - 1; n++) {
                    post(posts[next++ % 2], message(n));
                }
                try (WebSocket ws = WebSocket.open(port, "/socket.io/?EIO=4&transport=websocket&sid=" + sid)) {
                    // the probe, while polling goes on; then polling pauses as the official client's does
                    ws.sendText("2probe");
                    String pong = ws.readText();
                    if (!"3probe".equals(pong)) {
                        problems.add("probe answered " + pong);
                        return report();
                    }
                    pollingPaused = true;
                    poller.join(HANG_GUARD_MILLIS);
                    // the last polling POST (the CONNECT or the last message); the upgrade and the next messages
                    // follow the moment it is answered
                    post(posts[next % 2], overPolling == 0 ? "40" : message(overPolling - 1));
                    ws.sendText("5");
                    consumePolled();
                    if (overPolling == 0 && !awaitWebSocket(ws, () -> connectReplies > 0)) {
                        problems.add("no CONNECT reply over the WebSocket");
                        return report();
                    }
                    for (int n = overPolling; n < MESSAGES; n++) {
                        ws.sendText(message(n));
                    }
                    ws.sendText("421[\"done\",\"" + key + "\"]");
                    if (!awaitWebSocket(ws, () -> doneAck != null && webSocketPings > 0)) {
                        problems.add("no ack of done, or no ping, over the WebSocket");
                    }
                    ws.sendClose();
                }
            }
            return report();
        }

        private String message(int n) {
            return "42[\"m\",\"" + key + "\"," + n + "]";
        }

        private String pongs() {
            StringBuilder sb = new StringBuilder();
            for (String p = pongsDue.poll(); p != null; p = pongsDue.poll()) {
                sb.append(RS).append(p);
            }
            return sb.toString();
        }

        /** Handles what the poller receives until {@code condition} holds; false if the hang guard ran out first. */
        private boolean awaitPolled(BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + HANG_GUARD_MILLIS * 1_000_000L;
            while (problems.isEmpty() && System.nanoTime() < deadline) {
                consumePolled();
                if (condition.getAsBoolean()) {
                    return true;
                }
                Thread.sleep(1);
            }
            return false;
        }

        /** Reads the WebSocket, answering pings, until {@code condition} holds; false if the server closed first. */
        private boolean awaitWebSocket(WebSocket ws, BooleanSupplier condition) throws IOException {
            while (!condition.getAsBoolean()) {
                String packet;
                try {
                    packet = ws.readText();
                } catch (SocketTimeoutException e) {
                    problems.add("nothing on the WebSocket for " + HANG_GUARD_MILLIS + " ms");
                    return false;
                }
                if (packet == null) {
                    problems.add("the server closed the WebSocket");
                    return false;
                }
                if (packet.equals("2")) {
                    webSocketPings++;
                    ws.sendText("3");
                } else {
                    onPacket(packet);
                }
            }
            return true;
        }

        /** Posts {@code payload}, with the pongs due for pings received over polling. */
        private void post(Http connection, String payload) throws IOException {
            Http.Reply r = connection.exchange("POST", path() + "&sid=" + sid, payload + pongs());
            if (r.status() != 200 || !r.body().equals("ok")) {
                problems.add("POST " + payload + ": " + r);
            }
        }

        private void poll(Http connection) {
            try {
                while (!pollingPaused) {
                    Http.Reply r = connection.exchange("GET", path() + "&sid=" + sid, null);
                    if (r.status() != 200) {
                        problems.add("poll: " + r);
                        return;
                    }
                    for (String packet : r.body().split(RS)) {
                        if (packet.equals("2")) {
                            pongsDue.add("3");
                        } else if (!packet.equals("6")) {
                            polled.add(packet);
                        }
                    }
                }
            } catch (IOException e) {
                problems.add("poll: " + e);
            }
        }

        /** Handles what the poller received. */
        private void consumePolled() {
            for (String p = polled.poll(); p != null; p = polled.poll()) {
                onPacket(p);
            }
        }

        private void onPacket(String packet) {
            if (packet.startsWith("40{\"sid\":")) {
                connectReplies++;
            } else if (packet.startsWith("431[")) {
                doneAck = packet.substring(5, packet.length() - 2).replace("\\\"", "\"");
            } else {
                problems.add("unexpected packet " + packet);
            }
        }

        private Report report() {
            consumePolled();
            return new Report(List.copyOf(problems), doneAck, connectReplies, webSocketPings);
        }

        private static String path() {
            return "/socket.io/?EIO=4&transport=polling";
        }
    }

    static String sidOf(String packet) {
        Matcher m = SID.matcher(packet);
        assertThat(m.find()).as("a sid in %s", packet).isTrue();
        return m.group(1);
    }

    /** One keep-alive HTTP/1.1 connection: a request, then its response, in turn. */
    private static final class Http implements AutoCloseable {
        private final int port;
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Http(int port) throws IOException {
            this.port = port;
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), HANG_GUARD_MILLIS);
            socket.setSoTimeout(HANG_GUARD_MILLIS);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        record Reply(int status, String body) {}

        Reply exchange(String method, String target, String body) throws IOException {
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + (body == null
                            ? ""
                            : "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + content.length + "\r\n")
                    + "\r\n";
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
            request.writeBytes(content);
            out.write(request.toByteArray());
            out.flush();
            return readReply(in);
        }

        static Reply readReply(InputStream in) throws IOException {
            String status = readLine(in);
            if (status == null) {
                throw new EOFException("connection closed without a response");
            }
            int length = 0;
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new Reply(Integer.parseInt(status.split(" ")[1]), body);
        }

        static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    line.write(c);
                }
            }
            return c < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A client WebSocket (RFC 6455) carrying text frames only. */
    private static final class WebSocket implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private WebSocket(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static WebSocket open(int port, String target) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), HANG_GUARD_MILLIS);
            socket.setSoTimeout(HANG_GUARD_MILLIS);
            socket.setTcpNoDelay(true);
            WebSocket ws = new WebSocket(socket);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n";
            ws.out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            ws.out.flush();
            Http.Reply reply = Http.readReply(ws.in);
            assertThat(reply.status()).as("upgrade answered %s", reply).isEqualTo(101);
            return ws;
        }

        void sendText(String text) throws IOException {
            send(0x81, text.getBytes(StandardCharsets.UTF_8));
        }

        void sendClose() throws IOException {
            send(0x88, new byte[] {0x03, (byte) 0xe8});
        }

        private void send(int head, byte[] payload) throws IOException {
            out.write(ClientFrames.masked(head, payload));
            out.flush();
        }

        /** The next text frame, or null when the server closes. */
        String readText() throws IOException {
            while (true) {
                int b0 = in.read();
                int b1 = in.read();
                if (b0 < 0 || b1 < 0) {
                    return null;
                }
                int length = b1 & 0x7f;
                if (length == 126) {
                    length = (in.read() << 8) | in.read();
                } else if (length == 127) {
                    length = (int) ByteBuffer.wrap(in.readNBytes(8)).getLong();
                }
                byte[] payload = in.readNBytes(length);
                int opcode = b0 & 0x0f;
                if (opcode == 0x8) {
                    return null;
                }
                if (opcode == 0x1) {
                    return new String(payload, StandardCharsets.UTF_8);
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
