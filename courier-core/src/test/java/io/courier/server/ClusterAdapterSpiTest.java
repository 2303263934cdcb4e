package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.AckTimeoutException;
import io.courier.Courier;
import io.courier.EventArgs;
import io.courier.RemoteSocket;
import io.courier.adapter.AdapterTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the {@link io.courier.adapter.Adapter} SPI gives a cluster, shown on two real servers on loopback joined by
 * {@link InProcessCluster}: sockets of the other node from {@code fetchSockets()} that can be acted on, server-side
 * emits with answers, and requests that fail cleanly when a node does not answer.
 */
class ClusterAdapterSpiTest {
    private final InProcessCluster cluster = new InProcessCluster();
    private final InProcessCluster.Node nodeB = cluster.node();
    private final List<Courier> servers = new CopyOnWriteArrayList<>();
    private final List<WireClient> clients = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(WireClient::close);
        servers.forEach(Courier::close);
        cluster.close();
    }

    private Courier start(InProcessCluster.Node node) {
        Courier io = Courier.create(c -> c.host("127.0.0.1").port(0).adapter(node));
        io.use((socket, next) -> {
            socket.data().put("role", socket.handshake().auth("role").orElse("none"));
            next.accept();
        });
        io.start();
        servers.add(io);
        return io;
    }

    private WireClient client(Courier io, String auth) throws Exception {
        WireClient c = WireClient.open(io.port());
        clients.add(c);
        c.connect(auth);
        return c;
    }

    private static String sid(String connectReply) {
        return connectReply.replaceAll(".*\"sid\":\"([^\"]+)\".*", "$1");
    }

    @Test
    void fetchSocketsFindsTheOtherNodesSocketsAndActsOnThemThroughTheCluster() throws Exception {
        Courier a = start(cluster.node());
        Courier b = start(nodeB);
        WireClient onA = client(a, "{\"role\":\"dispatcher\"}");
        WireClient onB = WireClient.open(b.port());
        clients.add(onB);
        String idOnB = sid(onB.connect("{\"role\":\"driver\"}"));
        b.sockets().sockets().get(idOnB).join("east");

        List<RemoteSocket> found = a.in("east").fetchSockets().get(10, TimeUnit.SECONDS);
        assertThat(found).extracting(RemoteSocket::id).containsExactly(idOnB);
        RemoteSocket driver = found.get(0);
        assertThat(driver.rooms()).containsExactlyInAnyOrder(idOnB, "east");
        assertThat(driver.data()).containsEntry("role", "driver");
        assertThat(driver.handshake().auth("role")).contains("driver");
        assertThat(driver.handshake().address()).isEqualTo("127.0.0.1");
        assertThat(a.fetchSockets().get(10, TimeUnit.SECONDS)).hasSize(2);
        assertThat(a.local().fetchSockets().get(10, TimeUnit.SECONDS))
                .as("local: this node only")
                .hasSize(1);

        driver.emit("route", "north");
        assertThat(onB.next()).isEqualTo("42[\"route\",\"north\"]");
        driver.join("north"); // travels to node B: wait until it has applied it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // hang guard
        while (!b.sockets().sockets().get(idOnB).rooms().contains("north") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        b.to("north").emit("storm");
        assertThat(onB.next()).isEqualTo("42[\"storm\"]");
        driver.disconnect(false);
        assertThat(onB.next())
                .as("DISCONNECT from the node that holds the socket")
                .isEqualTo("41");
        assertThat(onA.send("3")).isNotNull(); // A's own client is untouched
        assertThat(a.sockets().sockets()).hasSize(1);
    }

    @Test
    void aServerSideEmitReachesTheOtherNodesHandlersAndTheirAnswersComeBack() throws Exception {
        Courier a = start(cluster.node());
        Courier b = start(nodeB);
        List<String> heardOnA = new CopyOnWriteArrayList<>();
        CompletableFuture<EventArgs> heardOnB = new CompletableFuture<>();
        a.onServerSideEmit("hello", (args, ack) -> heardOnA.add(args.getString(0)));
        b.onServerSideEmit("hello", (args, ack) -> heardOnB.complete(args));
        b.onServerSideEmit(
                "count", (args, ack) -> ack.reply(b.sockets().sockets().size(), "node-b"));

        assertThat(a.sockets().adapter().serverCount().get(10, TimeUnit.SECONDS))
                .isEqualTo(2);
        a.serverSideEmit("hello", "world", 42);
        EventArgs got = heardOnB.get(10, TimeUnit.SECONDS);
        assertThat(got.getString(0)).isEqualTo("world");
        assertThat(got.get(1).asInt()).isEqualTo(42);

        client(b, "");
        List<EventArgs> answers = a.serverSideEmitWithAck("count").get(10, TimeUnit.SECONDS);
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).get(0).asInt()).isEqualTo(1);
        assertThat(answers.get(0).getString(1)).isEqualTo("node-b");
        assertThat(heardOnA).as("not sent to the emitting node").isEmpty();

        WireClient onA = client(a, "");
        CompletableFuture<List<EventArgs>> acks =
                a.timeout(Duration.ofSeconds(10)).emitWithAck("ask");
        String onNodeA = onA.next();
        assertThat(onNodeA).isEqualTo("420[\"ask\"]");
        onA.send("430[\"from a\"]");
        WireClient onB = clients.get(0);
        String onNodeB = onB.next();
        onB.send("43" + onNodeB.substring(2, onNodeB.indexOf('[')) + "[\"from b\"]");
        assertThat(acks.get(10, TimeUnit.SECONDS))
                .extracting(r -> r.getString(0))
                .containsExactlyInAnyOrder("from a", "from b");
        assertThatThrownBy(() -> a.serverSideEmit("connect"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved");
    }

    @Test
    void aNodeThatDoesNotAnswerFailsTheRequestInsteadOfHangingIt() throws Exception {
        Courier a = start(cluster.node());
        Courier b = start(nodeB);
        b.onServerSideEmit("count", (args, ack) -> ack.reply(1));
        client(b, "");
        nodeB.silent = true; // it never answers, so the timeouts below decide the outcome however long they are
        cluster.requestsTimeout = Duration.ofMillis(200);

        assertThatThrownBy(() -> a.serverSideEmitWithAck("count").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(AckTimeoutException.class);
        assertThatThrownBy(
                        () -> a.timeout(Duration.ofMillis(100)).fetchSockets().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(AdapterTimeoutException.class)
                .hasMessageContaining("0 of 1 nodes answered in 100 ms");

        nodeB.silent = false;
        cluster.requestsTimeout = Duration.ofSeconds(10);
        assertThat(a.fetchSockets().get(10, TimeUnit.SECONDS)).hasSize(1);
    }
}
