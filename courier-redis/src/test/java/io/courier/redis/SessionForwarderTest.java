package io.courier.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.Courier;
import io.courier.http.ForeignSessions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SessionForwarder} against real sockets and the local Redis (127.0.0.1:6379, a key of its own per test): an
 * owner found in Redis answers, an owner that is not there, refuses or stays silent is gone (null), the bound on
 * forwards in flight holds, and a cancelled forward ends its connection to the owner.
 */
class SessionForwarderTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private final String key = "courier-test-" + UUID.randomUUID();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
    }

    private RedisCluster cluster() {
        RedisCluster cluster = RedisCluster.builder(REDIS).key(key).connect();
        opened.add(cluster);
        return cluster;
    }

    private SessionForwarder forwarder(RedisCluster cluster, int maxForwards) {
        SessionForwarder f =
                SessionForwarder.builder(cluster).maxForwards(maxForwards).build();
        opened.add(f);
        return f;
    }

    private static ForeignSessions.Request get(String sid, Duration timeout) {
        return new ForeignSessions.Request(
                "GET",
                "/socket.io/?EIO=4&transport=polling&sid=" + sid,
                List.of(Map.entry("Host", "lb.example"), Map.entry(ForeignSessions.FORWARDED_HEADER, "test00")),
                new byte[0],
                timeout);
    }

    @Test
    void anOwnerFoundInRedisAnswersAndTheOthersAreGone() throws Exception {
        RedisCluster ownerCluster = cluster();
        SessionForwarder ownerForwarder = forwarder(ownerCluster, 10);
        Courier owner = Courier.create(
                c -> c.host("127.0.0.1").port(0).adapter(ownerCluster).foreignSessions(ownerForwarder));
        opened.add(owner::close);
        owner.start();
        String sid = handshake(owner.port());
        assertThat(sid).startsWith(ownerCluster.uid());

        SessionForwarder here = forwarder(cluster(), 10);
        ForeignSessions.Request post = new ForeignSessions.Request(
                "POST",
                "/socket.io/?EIO=4&transport=polling&sid=" + sid,
                List.of(Map.entry("Host", "lb.example"), Map.entry(ForeignSessions.FORWARDED_HEADER, "test00")),
                "6".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(10));
        ForeignSessions.Reply reply = here.forward(ownerCluster.uid(), post).get(10, TimeUnit.SECONDS);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("ok");

        // a node id nobody announced
        assertThat(here.forward("nobody", get(sid, Duration.ofSeconds(10))).get(10, TimeUnit.SECONDS))
                .isNull();
        // the owner closes: its address leaves Redis, and what was cached refuses the connection
        owner.close();
        assertThat(here.forward(ownerCluster.uid(), get(sid, Duration.ofSeconds(10)))
                        .get(10, TimeUnit.SECONDS))
                .isNull();
        ownerForwarder.close();
        assertThat(here.forward(ownerCluster.uid(), get(sid, Duration.ofSeconds(10)))
                        .get(10, TimeUnit.SECONDS))
                .isNull();
    }

    @Test
    void aSilentOwnerTimesOutForwardsInFlightAreBoundedAndACancelledForwardEndsItsConnection() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            RedisCluster ownerCluster = cluster();
            // the "owner": announced in Redis, accepts connections, never answers
            SessionForwarder announced = forwarder(ownerCluster, 1);
            announced.listening(new InetSocketAddress("127.0.0.1", silent.getLocalPort()));
            SessionForwarder here = forwarder(cluster(), 1);
            String sid = ownerCluster.uid() + "x".repeat(22);

            CompletableFuture<ForeignSessions.Reply> timedOut =
                    here.forward(ownerCluster.uid(), get(sid, Duration.ofMillis(300)));
            Socket first = silent.accept();
            assertThat(timedOut.get(10, TimeUnit.SECONDS)).isNull();
            assertThat(readToEnd(first.getInputStream())).startsWith("GET /socket.io/?EIO=4&transport=polling&sid=");
            first.close();
            // the count drops as the future completes, on the forwarder's thread
            while (here.forwardsInFlight() != 0) {
                Thread.onSpinWait();
            }

            CompletableFuture<ForeignSessions.Reply> held =
                    here.forward(ownerCluster.uid(), get(sid, Duration.ofSeconds(30)));
            Socket second = silent.accept();
            assertThatThrownBy(() -> here.forward(ownerCluster.uid(), get(sid, Duration.ofSeconds(30)))
                            .get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("too many forwards in flight (maxForwards 1)");
            // once the owner holds the request, the client goes away: the owner sees the request's connection end
            InputStream in = second.getInputStream();
            assertThat(readHead(in)).contains("\r\nHost: lb.example\r\n");
            held.cancel(false);
            assertThat(in.read()).isEqualTo(-1);
            second.close();
            assertThat(here.forwardsInFlight()).isZero();
        }
    }

    /** A request head, up to its empty line. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Everything the peer sends until it closes the connection. */
    private static String readToEnd(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static String handshake(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream()
                    .write("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
            String r = readToEnd(s.getInputStream());
            int i = r.indexOf("\"sid\":\"") + 7;
            return r.substring(i, r.indexOf('"', i));
        }
    }
}
