package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code io.emit} to a namespace's every socket, whose grouping by event loop is kept from one broadcast to the next
 * until a socket joins or leaves: a socket that joined gets the next broadcast, one that left is no longer held.
 * Two event loops, so the groups are more than one.
 */
class BroadcastToAllTest {
    private Courier io;
    private DefaultNamespace main;
    private final BlockingQueue<String> left = new LinkedBlockingQueue<>();
    private final List<WireClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        io = Courier.create(c -> c.host("127.0.0.1").port(0).ioThreads(2));
        io.onConnection(s -> s.onDisconnect(reason -> left.add(s.id())));
        io.start();
        main = (DefaultNamespace) io.sockets();
    }

    @AfterEach
    void stop() {
        clients.forEach(WireClient::close);
        io.close();
    }

    private List<WireClient> connect(int n) throws Exception {
        List<WireClient> added = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            WireClient c = WireClient.open(io.port());
            c.connect("");
            added.add(c);
            clients.add(c);
        }
        return added;
    }

    private static void expect(List<WireClient> clients, String packet) throws Exception {
        for (WireClient c : clients) {
            assertThat(c.next()).isEqualTo(packet);
        }
    }

    @Test
    void aSocketThatJoinsAfterABroadcastGetsTheNextOne() throws Exception {
        List<WireClient> first = connect(3);
        io.emit("n", 1);
        expect(first, "42[\"n\",1]");
        io.emit("n", 2);
        expect(first, "42[\"n\",2]");

        connect(3);
        io.emit("n", 3);
        expect(clients, "42[\"n\",3]");
    }

    @Test
    void aSocketThatLeftIsNoLongerSentToNorHeld() throws Exception {
        List<WireClient> all = connect(4);
        io.emit("n", 1);
        expect(all, "42[\"n\",1]");

        WireClient gone = all.get(0);
        gone.close();
        clients.remove(gone);
        assertThat(left.poll(10, TimeUnit.SECONDS))
                .as("the server saw the socket leave")
                .isNotNull();
        assertThat(main.groupedForBroadcast())
                .as("groups dropped when a socket leaves")
                .isZero();

        io.emit("n", 2);
        expect(clients, "42[\"n\",2]");
        assertThat(main.groupedForBroadcast()).isEqualTo(3);
    }
}
