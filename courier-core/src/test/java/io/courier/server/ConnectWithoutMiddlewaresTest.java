package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.Courier;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT to a namespace without middlewares is answered on the connection's event loop: it takes no turn on the
 * handler executor (with the default executor, no virtual thread per connection for an empty chain); the connection
 * handlers still run there, after the answer. With a middleware, the answer waits for the executor to run it.
 */
class ConnectWithoutMiddlewaresTest {
    /** A handler executor that runs nothing until the test releases its tasks. */
    private final LinkedBlockingQueue<Runnable> held = new LinkedBlockingQueue<>();

    private final Executor holding = held::add;
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private Courier io;

    @AfterEach
    void stop() {
        io.close();
    }

    private int start(boolean middleware) {
        io = Courier.create(c -> c.host("127.0.0.1").port(0).handlerExecutor(holding));
        if (middleware) {
            io.use((socket, next) -> {
                ran.add("middleware");
                next.accept();
            });
        }
        io.onConnection(socket -> ran.add("connection handler"));
        io.start();
        return io.port();
    }

    /** Runs the held tasks (and those they queue) on this thread until one is done with {@code what}. */
    private void release(String what) throws InterruptedException {
        while (!ran.contains(what)) {
            Runnable task = held.poll(10, TimeUnit.SECONDS);
            assertThat(task).as("a task for the handler executor").isNotNull();
            task.run();
        }
    }

    @Test
    void withoutMiddlewaresTheAnswerComesBeforeTheExecutorRunsAnything() throws Exception {
        try (WireClient client = WireClient.open(start(false))) {
            client.connect("");
            assertThat(ran).isEmpty();
            release("connection handler");
            assertThat(ran).containsExactly("connection handler");
        }
    }

    @Test
    void withAMiddlewareTheAnswerWaitsForIt() throws Exception {
        try (WireClient client = WireClient.open(start(true))) {
            client.send("40");
            release("middleware");
            assertThat(client.next()).startsWith("40{\"sid\":");
            release("connection handler");
            assertThat(ran).containsExactly("middleware", "connection handler");
        }
    }
}
