package io.courier.client;

import static io.courier.client.CourierClientTest.next;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The upgrade from polling to WebSocket when the probe is lost after the client paused polling for it (the server's
 * {@code 3probe} arrived, the client waits for its pending poll to return). The server has seen no upgrade packet, so
 * the session goes on over polling: no disconnect, same id. Seen in CI when a server closed the session during an
 * upgrade and the probe's close reached the client before the poll carrying the close packet: the client reported
 * "transport error" instead of "transport close".
 */
class UpgradeTest {
    @Test
    void aProbeLostWhilePollingPausesLeavesTheSessionOnPolling() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        CountDownLatch probeCut = new CountDownLatch(1);
        Object lock = new Object();
        boolean[] holdPolls = {false};
        // lets the probe's ping through once the socket is connected and from then on holds the poll (so the client
        // stays paused) until the client posts again; cuts the probe right after the server's 3probe
        FreezableProxy.Tap tap = (link, toClient, chunk) -> {
            boolean websocket = link.firstRequest.contains("transport=websocket");
            if (websocket && !toClient && !chunk.startsWith("GET ")) { // the probe's ping (a masked frame)
                connected.await();
                synchronized (lock) {
                    holdPolls[0] = true;
                }
            } else if (websocket && toClient && chunk.contains("3probe")) {
                probeCut.countDown();
                return false;
            } else if (!websocket && toClient && link.lastMethod.equals("GET")) {
                synchronized (lock) {
                    while (holdPolls[0]) {
                        lock.wait();
                    }
                }
            } else if (!websocket && !toClient && chunk.startsWith("POST ") && probeCut.getCount() == 0) {
                synchronized (lock) {
                    holdPolls[0] = false;
                    lock.notifyAll();
                }
            }
            return true;
        };
        try (TestServer server = new TestServer();
                FreezableProxy proxy = new FreezableProxy(server.io.port(), tap);
                CourierClient client = CourierClient.builder("http://127.0.0.1:" + proxy.port())
                        .reconnectionDelay(Duration.ofMillis(50))
                        .build()) {
            ClientSocket socket = client.socket();
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            socket.onConnect(() -> events.add("connect"));
            socket.onDisconnect(reason -> events.add("disconnect:" + reason));
            socket.on("message-back", (args, ack) -> events.add("back:" + args.getString(0)));
            socket.connect();
            assertThat(next(events)).isEqualTo("connect");
            String id = socket.id();
            connected.countDown();
            assertThat(probeCut.await(20, TimeUnit.SECONDS))
                    .as("the probe got its 3probe")
                    .isTrue();

            // the client notices the cut (it drops the probe and resumes polling) before it sends anything: a POST
            // that left while it had not yet read the 3probe (a loaded machine) would release the held poll, complete
            // the pause and switch to the dead probe, as any client would; that order is not what this test is about
            for (int i = 0; i < 2000 && client.loop().submit(client::probing).get(10, TimeUnit.SECONDS); i++) {
                Thread.sleep(5); // the bound only guards against a hang
            }
            assertThat(client.loop().submit(client::probing).get(10, TimeUnit.SECONDS))
                    .as("the cut probe dropped")
                    .isFalse();
            socket.emit("message", "after the lost probe");
            assertThat(next(events)).isEqualTo("back:after the lost probe");
            assertThat(client.transport()).isEqualTo("polling");
            assertThat(socket.connected()).isTrue();
            assertThat(socket.id()).isEqualTo(id);
            assertThat(events).isEmpty();
        }
    }
}
