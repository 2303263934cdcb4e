package io.courier.bench;

import java.util.ArrayList;
import java.util.List;

/** The peers the harness measures side by side, each its own process with the same behaviour contract. */
public enum ServerKind {
    RAW("raw", "raw Netty ceiling", true),
    COURIER("courier", "Courier", true),
    /** Courier with its echo listener added by {@code Socket.onInline}: measured in the echo scenario only. */
    COURIER_INLINE("courier-inline", "Courier, echo onInline", true),
    NETTY_SOCKETIO("netty-socketio", "netty-socketio", true),
    SOCKETIO("socketio", "socket.io (Node)", false);

    /** The name on the command line ({@code --servers raw,courier}). */
    public final String id;

    public final String label;
    /** Whether it is a JVM (jcmd for GC and the live heap) rather than Node. */
    public final boolean jvm;

    ServerKind(String id, String label, boolean jvm) {
        this.id = id;
        this.label = label;
        this.jvm = jvm;
    }

    public static ServerKind byId(String id) {
        for (ServerKind k : values()) {
            if (k.id.equals(id) || k.name().equalsIgnoreCase(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "unknown server '" + id + "' (raw, courier, courier-inline, netty-socketio, socketio)");
    }

    /** The JVM options of every JVM peer (PERFORMANCE.md "Setup"). */
    static final List<String> JVM_OPTIONS = List.of(
            "-Xms64m",
            "-Xmx2g",
            "-XX:+UseG1GC",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    /** The command that starts this peer on {@code port}, without the CPU pinning. */
    List<String> command(Env env, int port, List<String> extra) {
        List<String> cmd = new ArrayList<>();
        switch (this) {
            case SOCKETIO -> {
                cmd.add(env.node());
                cmd.add("--expose-gc");
                cmd.add(env.nodeDir().resolve("server.js").toString());
                cmd.add(Integer.toString(port));
            }
            default -> {
                cmd.add(env.java());
                cmd.addAll(JVM_OPTIONS);
                // e.g. -Dbench.peer.jvm="-XX:StartFlightRecording=filename=/tmp/peer.jfr" to profile a peer
                String more = System.getProperty("bench.peer.jvm", "").trim();
                if (!more.isEmpty()) {
                    cmd.addAll(List.of(more.split("\\s+")));
                }
                cmd.add("-cp");
                cmd.add(this == NETTY_SOCKETIO ? env.nettySocketIoClasspath() : env.classpath());
                cmd.add(
                        switch (this) {
                            case RAW -> "io.courier.bench.peer.RawCeilingServer";
                            case COURIER, COURIER_INLINE -> "io.courier.bench.peer.CourierPeer";
                            default -> "io.courier.bench.nsio.NettySocketIoPeer";
                        });
                cmd.add(Integer.toString(port));
                if (this == COURIER_INLINE) {
                    cmd.add("--inline");
                }
            }
        }
        cmd.addAll(extra);
        return cmd;
    }
}
