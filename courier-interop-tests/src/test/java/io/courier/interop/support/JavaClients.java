package io.courier.interop.support;

import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.json.JSONObject;

/**
 * Official Java client sockets ({@code io.socket:socket.io-client}) for one test, all against one server and closed
 * together. Each socket has its own connection, uses WebSocket only unless told otherwise, and never reconnects.
 *
 * <p>The static helpers wait at most {@link #TIMEOUT_SECONDS}; that is a hang guard, not an assertion.
 */
public final class JavaClients implements AutoCloseable {
    public static final long TIMEOUT_SECONDS = 10;

    private static final OkHttpClient HTTP = new OkHttpClient();

    private final String base;
    private final List<Socket> opened = new CopyOnWriteArrayList<>();

    public JavaClients(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** A socket for namespace {@code nsp}, not connected yet; {@code options} may change the defaults. */
    public Socket open(String nsp, Consumer<IO.Options> options) {
        IO.Options o = IO.Options.builder()
                .setForceNew(true)
                .setReconnection(false)
                .setTransports(new String[] {"websocket"})
                .build();
        options.accept(o);
        Socket s = IO.socket(URI.create(base + nsp), o);
        opened.add(s);
        return s;
    }

    public Socket open(String nsp) {
        return open(nsp, o -> {});
    }

    /** A connected socket for namespace {@code nsp}; fails if the server refuses it. */
    public Socket connect(String nsp, Consumer<IO.Options> options) {
        Socket s = open(nsp, options);
        CompletableFuture<Void> connected = new CompletableFuture<>();
        s.once(Socket.EVENT_CONNECT, a -> connected.complete(null));
        s.once(
                Socket.EVENT_CONNECT_ERROR,
                a -> connected.completeExceptionally(
                        new AssertionError("connect_error on " + nsp + ": " + Arrays.toString(a))));
        s.connect();
        await(connected);
        return s;
    }

    public Socket connect(String nsp) {
        return connect(nsp, o -> {});
    }

    /** Connects {@code s}, expecting a refusal, and returns the connect_error payload ({@code {message, data}}). */
    public static JSONObject refused(Socket s) {
        CompletableFuture<Object[]> error = next(s, Socket.EVENT_CONNECT_ERROR);
        CompletableFuture<Object[]> connected = next(s, Socket.EVENT_CONNECT);
        s.connect();
        await(CompletableFuture.anyOf(error, connected));
        if (connected.isDone()) {
            throw new AssertionError("expected a connect_error, but the socket connected");
        }
        Object payload = await(error)[0];
        if (!(payload instanceof JSONObject json)) {
            throw new AssertionError("connect_error is not a namespace refusal: " + payload);
        }
        return json;
    }

    /** The arguments of the next {@code event} the socket receives. */
    public static CompletableFuture<Object[]> next(Socket s, String event) {
        CompletableFuture<Object[]> f = new CompletableFuture<>();
        s.once(event, f::complete);
        return f;
    }

    /** Every {@code event} the socket receives from now on, in arrival order (the arguments of each). */
    public static List<Object[]> record(Socket s, String event) {
        List<Object[]> received = new CopyOnWriteArrayList<>();
        s.on(event, received::add);
        return received;
    }

    /** Emits {@code event} with an ack request and returns the ack's arguments. */
    public static Object[] call(Socket s, String event, Object... args) {
        CompletableFuture<Object[]> acked = new CompletableFuture<>();
        s.emit(event, args, (Ack) acked::complete);
        return await(acked);
    }

    /** Answers every {@code event} from the server that asks for an ack with {@code reply}. */
    public static void answer(Socket s, String event, Object... reply) {
        s.on(event, args -> {
            if (args.length > 0 && args[args.length - 1] instanceof Ack ack) {
                ack.call(reply);
            }
        });
    }

    /**
     * Options under which the client answers the server's WebSocket close frame with its own, as RFC 6455 asks. The
     * Java client 2.1.2 leaves that to OkHttp, which does not do it, so without these options a connection the server
     * closes goes unnoticed by the client until its heartbeat times out.
     */
    public static Consumer<IO.Options> answeringCloseFrames() {
        return exposingWebSocket(new CompletableFuture<>());
    }

    /**
     * {@link #answeringCloseFrames()}, and the client's WebSocket is handed to {@code into} once opened, so that a test
     * can close the connection itself (the client library does not expose it).
     */
    public static Consumer<IO.Options> exposingWebSocket(CompletableFuture<WebSocket> into) {
        return o -> o.webSocketFactory = (request, listener) -> {
            WebSocket ws = HTTP.newWebSocket(request, new AnsweringClose(listener));
            into.complete(ws);
            return ws;
        };
    }

    /** Passes every callback on, and answers a close frame from the server with a close frame. */
    private static final class AnsweringClose extends WebSocketListener {
        private final WebSocketListener delegate;

        AnsweringClose(WebSocketListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            delegate.onOpen(ws, response);
        }

        @Override
        public void onMessage(WebSocket ws, String text) {
            delegate.onMessage(ws, text);
        }

        @Override
        public void onMessage(WebSocket ws, ByteString bytes) {
            delegate.onMessage(ws, bytes);
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            ws.close(code, null); // does nothing if this side already started closing
            delegate.onClosing(ws, code, reason);
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            delegate.onClosed(ws, code, reason);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            delegate.onFailure(ws, t, response);
        }
    }

    /** The value of {@code f}, waiting at most {@link #TIMEOUT_SECONDS}; a failure of {@code f} is rethrown. */
    public static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("future failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("nothing happened within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The exception {@code f} fails with, waiting at most {@link #TIMEOUT_SECONDS}; an error if it succeeds. */
    public static Throwable failure(CompletableFuture<?> f) {
        try {
            Object value = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, but the future completed with " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("nothing happened within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        opened.forEach(Socket::close);
    }
}
