package io.courier.redis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's cluster example is {@link ClusterNode} as it stands (package line aside), and two of them on the local
 * Redis act as one server: a chat sent to one node reaches a client of the other.
 */
class ClusterNodeTest {
    private static final Pattern FENCED = Pattern.compile("(?ms)^```java\\n(.*?)^```$");

    @Test
    void theReadmeShowsTheExampleFileAsItIs() throws Exception {
        String source = Files.readString(Path.of("src/test/java/io/courier/redis/examples/ClusterNode.java"));
        String withoutPackage = source.replaceFirst("\\Apackage io\\.courier\\.redis\\.examples;\\n\\n", "");
        assertThat(withoutPackage).isNotEqualTo(source);
        Matcher m = FENCED.matcher(Files.readString(Path.of("../README.md")));
        String block = null;
        while (m.find() && block == null) {
            if (m.group(1).contains("public class ClusterNode")) {
                block = m.group(1);
            }
        }
        assertThat(block).as("README.md shows ClusterNode").isEqualTo(withoutPackage);
    }

    @Test
    void twoNodesActAsOneServer() throws Exception {
        Courier a = ClusterNode.start(0, "redis://127.0.0.1:6379");
        Courier b = ClusterNode.start(0, "redis://127.0.0.1:6379");
        Socket onA = connect(a);
        Socket onB = connect(b);
        try {
            BlockingQueue<Object> atB = new LinkedBlockingQueue<>();
            onB.on("chat", args -> atB.add(args[0]));
            // a node sees its peer's sockets once the peer has subscribed; before that a chat could miss it
            for (int i = 0; i < 500 && a.fetchSockets().join().size() < 2; i++) {
                Thread.sleep(10);
            }
            onA.emit("chat", "across nodes");
            assertThat(atB.poll(10, TimeUnit.SECONDS)).isEqualTo("across nodes");
        } finally {
            onA.close();
            onB.close();
            a.close();
            b.close();
        }
    }

    private static Socket connect(Courier node) throws Exception {
        Socket socket = IO.socket(
                "http://127.0.0.1:" + node.port(),
                IO.Options.builder()
                        .setTransports(new String[] {"websocket"})
                        .setForceNew(true)
                        .build());
        CompletableFuture<Void> connected = new CompletableFuture<>();
        socket.on(Socket.EVENT_CONNECT, args -> connected.complete(null));
        socket.connect();
        connected.get(10, TimeUnit.SECONDS);
        return socket;
    }
}
