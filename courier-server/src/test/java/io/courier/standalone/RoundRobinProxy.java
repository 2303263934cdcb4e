package io.courier.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A round-robin TCP proxy on loopback, as a load balancer without sticky sessions: each new connection goes to the
 * next node that accepts it (a node that refuses is skipped), and bytes are copied both ways until either side
 * closes. A node that goes away closes its connections, so a client behind the proxy reconnects and lands on another
 * node. One virtual thread per direction of a connection.
 */
final class RoundRobinProxy implements AutoCloseable {
    private final List<Integer> ports;
    private final ServerSocket server;
    private final AtomicInteger next = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    RoundRobinProxy(List<Integer> ports) throws IOException {
        this.ports = List.copyOf(ports);
        this.server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        sockets.add(client);
        int first = Math.floorMod(next.getAndIncrement(), ports.size());
        for (int i = 0; i < ports.size(); i++) {
            Socket node = new Socket();
            try {
                node.connect(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get((first + i) % ports.size())),
                        2000);
                node.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                sockets.add(node);
                Thread.ofVirtual().start(() -> copy(client, node));
                copy(node, client);
                return;
            } catch (IOException e) {
                closeQuietly(node); // down: the next one
            }
        }
        closeQuietly(client); // every node refused
    }

    /** Copies until {@code from} ends, then closes both: one side gone ends the connection, as a balancer does. */
    private void copy(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // reset or closed by the other direction
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(5000);
        for (Socket s : List.copyOf(sockets)) {
            closeQuietly(s);
        }
    }
}
