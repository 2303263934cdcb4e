package io.courier.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Engine.IO session over a raw WebSocket ({@code transport=websocket}, no polling first), with the few Socket.IO
 * steps the tests need. Server pings ({@code 2}) are answered with {@code 3} whenever packets are read.
 */
final class EngineWebSocket implements AutoCloseable {
    static final String PATH = "/socket.io/?EIO=4&transport=websocket";

    private static final Pattern SID = Pattern.compile("\"sid\":\"([^\"]+)\"");

    private final RawClient raw;
    private final String sid;
    private int nextAckId = 1;

    private EngineWebSocket(RawClient raw, String sid) {
        this.raw = raw;
        this.sid = sid;
    }

    /** Upgrades a new connection and reads the open packet. */
    static EngineWebSocket open(int port) throws IOException {
        return over(RawClient.webSocket(port, PATH));
    }

    /** A session on a connection {@code raw} has upgraded on {@link #PATH}: reads the open packet. */
    static EngineWebSocket over(RawClient raw) throws IOException {
        RawClient.Frame open = raw.readFrame();
        assertThat(open.opcode()).as("first frame %s", open).isEqualTo(RawClient.TEXT);
        assertThat(open.text()).startsWith("0{").contains("\"upgrades\":[]");
        return new EngineWebSocket(raw, sidOf(open.text()));
    }

    /** Opens a session and joins the main namespace. */
    static EngineWebSocket connected(int port) throws IOException {
        EngineWebSocket ws = open(port);
        ws.connect("/");
        return ws;
    }

    static String sidOf(String packet) {
        Matcher m = SID.matcher(packet);
        assertThat(m.find()).as("a sid in %s", packet).isTrue();
        return m.group(1);
    }

    /** The Engine.IO session id. */
    String sid() {
        return sid;
    }

    RawClient raw() {
        return raw;
    }

    /** Sends one Engine.IO packet as a text frame, e.g. {@code 42["echo",1]}. */
    EngineWebSocket send(String packet) throws IOException {
        raw.sendText(packet);
        return this;
    }

    /** The next packet from the server other than a ping (pings are answered). */
    String nextPacket() throws IOException {
        long deadline = System.nanoTime() + RawClient.HANG_GUARD_MILLIS * 1_000_000L;
        while (true) {
            assertThat(System.nanoTime()).as("a packet within the hang guard").isLessThan(deadline);
            RawClient.Frame f = raw.readFrame();
            assertThat(f.opcode()).as("expected a packet, got %s", f).isEqualTo(RawClient.TEXT);
            if (f.text().equals("2")) {
                raw.sendText("3");
                continue;
            }
            return f.text();
        }
    }

    /** Sends a Socket.IO CONNECT for {@code namespace} and returns the socket id of the reply. */
    String connect(String namespace) throws IOException {
        String prefix = namespace.equals("/") ? "40" : "40" + namespace + ",";
        send(prefix);
        String reply = nextPacket();
        assertThat(reply).as("CONNECT reply").startsWith(prefix + "{\"sid\":");
        return sidOf(reply);
    }

    /** An {@code echo} event with an ack on the main namespace comes back as the ack. */
    void assertEchoRoundTrip() throws IOException {
        int id = nextAckId++;
        send("42" + id + "[\"echo\",\"round trip " + id + "\"]");
        assertThat(nextPacket()).isEqualTo("43" + id + "[\"round trip " + id + "\"]");
    }

    /**
     * Waits until the server ends the connection, answering pings meanwhile; returns its close code or {@link
     * RawClient#NO_CLOSE_FRAME}.
     */
    int awaitClosedByServer() throws IOException {
        return raw.awaitCloseCode(f -> {
            if (f.opcode() == RawClient.TEXT && f.text().equals("2")) {
                try {
                    raw.sendText("3");
                } catch (IOException e) {
                    // the server is closing; the close code tells the rest
                }
            }
        });
    }

    /** Closes the WebSocket cleanly (close frame 1000) and waits for the server's close. */
    void closeCleanly() throws IOException {
        raw.sendFrame(RawClient.FIN | RawClient.CLOSE, RawClient.closePayload(1000, ""));
        assertThat(raw.awaitCloseCode()).isEqualTo(1000);
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
