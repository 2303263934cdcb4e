package io.courier.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can freeze: while frozen no byte passes in either direction, but every connection stays
 * open, as with a server that hangs (a stalled process, a dead peer behind a NAT). Unfreezing lets the held bytes go.
 * A {@link Tap} sees each chunk before it passes and may hold it or cut its connection.
 */
final class FreezableProxy implements AutoCloseable {
    /** Decides about one chunk read from one side of a connection, on that direction's thread. */
    interface Tap {
        /**
         * May block to hold the chunk (and what follows it in that direction).
         *
         * @return false to cut the connection (both sides) after passing the chunk
         */
        boolean pass(Link link, boolean toClient, String chunk) throws InterruptedException;
    }

    /** One proxied connection: what the client asked for first, and the method of its latest request. */
    static final class Link {
        volatile String firstRequest = "";
        volatile String lastMethod = "";
    }

    private final ServerSocket server;
    private final int upstreamPort;
    private final Tap tap;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private boolean frozen;
    private volatile boolean closed;

    FreezableProxy(int upstreamPort) throws IOException {
        this(upstreamPort, (link, toClient, chunk) -> true);
    }

    FreezableProxy(int upstreamPort, Tap tap) throws IOException {
        this.upstreamPort = upstreamPort;
        this.tap = tap;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void freeze(boolean freeze) {
        synchronized (lock) {
            frozen = freeze;
            lock.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                sockets.add(client);
                sockets.add(upstream);
                Link link = new Link();
                pump(link, client, upstream, false);
                pump(link, upstream, client, true);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Link link, Socket from, Socket to, boolean toClient) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16384];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            synchronized (lock) {
                                while (frozen && !closed) {
                                    lock.wait();
                                }
                            }
                            String chunk = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                            if (!toClient && (chunk.startsWith("GET ") || chunk.startsWith("POST "))) {
                                link.lastMethod = chunk.substring(0, chunk.indexOf(' '));
                                if (link.firstRequest.isEmpty()) {
                                    link.firstRequest = chunk.substring(0, chunk.indexOf('\r'));
                                }
                            }
                            boolean keep = tap.pass(link, toClient, chunk);
                            out.write(buf, 0, n);
                            out.flush();
                            if (!keep) {
                                break;
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        // a side closed
                    } finally {
                        close(from);
                        close(to);
                    }
                },
                "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        freeze(false);
        server.close();
        for (Socket s : sockets) {
            close(s);
        }
    }
}
