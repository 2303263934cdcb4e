package io.courier.interop;

import static io.courier.interop.support.JavaClients.answer;
import static io.courier.interop.support.JavaClients.answeringCloseFrames;
import static io.courier.interop.support.JavaClients.await;
import static io.courier.interop.support.JavaClients.call;
import static io.courier.interop.support.JavaClients.exposingWebSocket;
import static io.courier.interop.support.JavaClients.failure;
import static io.courier.interop.support.JavaClients.next;
import static io.courier.interop.support.JavaClients.record;
import static io.courier.interop.support.JavaClients.refused;
import static io.socket.client.Socket.EVENT_DISCONNECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.AckTimeoutException;
import io.courier.ConnectionRefusedException;
import io.courier.Courier;
import io.courier.CourierConfig;
import io.courier.DisconnectReason;
import io.courier.EventArgs;
import io.courier.Namespace;
import io.courier.RemoteSocket;
import io.courier.Socket;
import io.courier.interop.support.JavaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import okhttp3.WebSocket;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Courier's server-side API (rooms, broadcasts, acks, middlewares, namespaces, threading, bounds) driven by the
 * official Java client {@code io.socket:socket.io-client} 2.1.2. Each test starts its own server.
 *
 * <p>To show that a client did NOT receive something, a test makes a later acknowledged round trip on the same client
 * ({@link #sync}): events on one connection arrive in order, so whatever was sent before has arrived by then.
 */
class ServerApiIT {
    private Courier io;
    private JavaClients clients;
    /** Released when the test ends, so that handlers blocked on it never outlive their test. */
    private final CountDownLatch release = new CountDownLatch(1);
    /** What the server saw of each socket, by socket id (filled by {@link #standardHandlers}). */
    private final Map<String, Seen> seenById = new ConcurrentHashMap<>();

    /** The server side of one socket: the socket, its rooms when disconnecting, its disconnect reason. */
    private record Seen(
            CompletableFuture<Socket> socket,
            CompletableFuture<Set<String>> roomsWhenDisconnecting,
            CompletableFuture<DisconnectReason> reason) {
        Seen() {
            this(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());
        }
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (clients != null) {
            clients.close();
        }
        if (io != null) {
            io.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** A server on a free loopback port, not started yet, so that the test can add handlers first. */
    private void server(Consumer<CourierConfig.Builder> options) {
        io = Courier.create(c -> {
            c.host("127.0.0.1").port(0);
            options.accept(c);
        });
    }

    private void server() {
        server(c -> {});
    }

    /** Starts the server and opens the clients' side. */
    private void start() {
        io.start();
        clients = new JavaClients(io.port());
    }

    /**
     * Every socket of {@code ns} gets "join" (joins the rooms named by its arguments, then acks) and "sync" (acks),
     * and is recorded in {@link #seenById}.
     */
    private void standardHandlers(Namespace ns) {
        ns.onConnection(socket -> {
            Seen s = seen(socket.id());
            socket.on("join", (args, ack) -> {
                args.values().forEach(room -> socket.join(room.asText()));
                ack.reply();
            });
            socket.on("sync", (args, ack) -> ack.reply());
            socket.onDisconnecting(reason -> s.roomsWhenDisconnecting().complete(Set.copyOf(socket.rooms())));
            socket.onDisconnect(reason -> s.reason().complete(reason));
            s.socket().complete(socket);
        });
    }

    private Seen seen(String socketId) {
        return seenById.computeIfAbsent(socketId, id -> new Seen());
    }

    /** The server-side socket of a connected client (same id on both sides). */
    private Socket serverSocketOf(io.socket.client.Socket client) {
        return await(seen(client.id()).socket());
    }

    /** A round trip on {@code client}: everything the server sent it earlier has arrived when this returns. */
    private static void sync(io.socket.client.Socket client) {
        call(client, "sync");
    }

    private static io.socket.client.Socket joined(io.socket.client.Socket client, String... rooms) {
        call(client, "join", (Object[]) rooms);
        return client;
    }

    private static List<String> ids(List<RemoteSocket> sockets) {
        return sockets.stream().map(RemoteSocket::id).toList();
    }

    private static List<String> firstArgs(List<EventArgs> replies) {
        return replies.stream().map(r -> r.getString(0)).toList();
    }

    // ---- broadcasts and rooms -------------------------------------------------------------------------------------

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void broadcastFromASocketReachesEveryOtherSocketButNotTheSender(String transport) {
        server();
        standardHandlers(io.sockets());
        io.onConnection(socket -> socket.on("shout", (args, ack) -> {
            socket.broadcast().emit("news", args.getString(0));
            ack.reply();
        }));
        start();
        var sender = clients.connect("/", o -> o.transports = new String[] {transport});
        var other1 = clients.connect("/", o -> o.transports = new String[] {transport});
        var other2 = clients.connect("/", o -> o.transports = new String[] {transport});
        List<Object[]> atSender = record(sender, "news");
        CompletableFuture<Object[]> at1 = next(other1, "news");
        CompletableFuture<Object[]> at2 = next(other2, "news");

        call(sender, "shout", "hello"); // the ack is sent after the broadcast, on the sender's connection

        assertThat(await(at1)).containsExactly("hello");
        assertThat(await(at2)).containsExactly("hello");
        assertThat(atSender).isEmpty();
    }

    @Test
    void emitToSeveralRoomsReachesTheirUnionOnceMinusTheExceptedRoom() {
        server();
        standardHandlers(io.sockets());
        start();
        var inA = joined(clients.connect("/"), "a");
        var inB = joined(clients.connect("/"), "b");
        var inAAndB = joined(clients.connect("/"), "a", "b");
        var inAAndC = joined(clients.connect("/"), "a", "c");
        var inNone = clients.connect("/");
        var all = List.of(inA, inB, inAAndB, inAAndC, inNone);
        List<List<Object[]>> received = all.stream().map(c -> record(c, "news")).toList();

        io.to("a").to("b").except("c").emit("news", 1);
        all.forEach(ServerApiIT::sync);

        assertThat(received.stream().map(List::size).toList())
                .as("news received by: a, b, a+b, a+c, none")
                .containsExactly(1, 1, 1, 0, 0);
    }

    @Test
    void emitToARoomFromASocketExcludesTheSenderEvenIfItIsInTheRoom() {
        server();
        standardHandlers(io.sockets());
        io.onConnection(socket -> socket.on("shout", (args, ack) -> {
            socket.to("r").emit("news", args.getString(0));
            ack.reply();
        }));
        start();
        var sender = joined(clients.connect("/"), "r");
        var member = joined(clients.connect("/"), "r");
        var outsider = clients.connect("/");
        List<Object[]> atSender = record(sender, "news");
        List<Object[]> atOutsider = record(outsider, "news");
        CompletableFuture<Object[]> atMember = next(member, "news");

        call(sender, "shout", "hi");
        sync(outsider);

        assertThat(await(atMember)).containsExactly("hi");
        assertThat(atSender).isEmpty();
        assertThat(atOutsider).isEmpty();
    }

    // ---- onAny / onAnyOutgoing ------------------------------------------------------------------------------------

    @Test
    void onAnySeesEveryIncomingEventBeforeItsHandlerAndOnAnyOutgoingSeesOutgoingEvents() {
        server();
        List<String> incoming = new CopyOnWriteArrayList<>();
        List<String> outgoing = new CopyOnWriteArrayList<>();
        io.onConnection(socket -> {
            socket.onAny((event, args) -> incoming.add("any " + event + " " + args.getString(0)));
            socket.onAnyOutgoing((event, args) -> outgoing.add(event + " " + args.getString(0)));
            socket.on("hello", (args, ack) -> {
                incoming.add("on hello");
                socket.emit("greeting", "back");
                ack.reply("done");
            });
        });
        start();
        var client = clients.connect("/");
        CompletableFuture<Object[]> greeting = next(client, "greeting");

        client.emit("unhandled", "x");
        assertThat(call(client, "hello", "y")).containsExactly("done");

        assertThat(await(greeting)).containsExactly("back");
        assertThat(incoming).containsExactly("any unhandled x", "any hello y", "on hello");
        assertThat(outgoing).as("acks are not outgoing events").containsExactly("greeting back");
    }

    // ---- acknowledgements -----------------------------------------------------------------------------------------

    @Test
    void emitWithAckAndTimeoutFailsWithAckTimeoutExceptionWhenTheClientNeverAcks() {
        server();
        standardHandlers(io.sockets());
        start();
        var client = clients.connect("/");
        client.on("x", args -> {}); // receives, never acks
        Socket socket = serverSocketOf(client);

        Throwable failure = failure(socket.timeout(Duration.ofMillis(300)).emitWithAck("x"));

        assertThat(failure).isInstanceOf(AckTimeoutException.class);
        assertThat(client.connected()).isTrue();
    }

    @Test
    void emitWithAckAndTimeoutCompletesWithTheClientsAckArguments() {
        server();
        standardHandlers(io.sockets());
        start();
        var client = clients.connect("/");
        answer(client, "x", "ok", 2);
        Socket socket = serverSocketOf(client);

        EventArgs reply = await(socket.timeout(Duration.ofMillis(300)).emitWithAck("x", "question"));

        assertThat(reply.getString(0)).isEqualTo("ok");
        assertThat(reply.get(1).asInt()).isEqualTo(2);
    }

    @Test
    void broadcastWithAckCollectsOneReplyPerClient() {
        server();
        standardHandlers(io.sockets());
        start();
        for (String value : List.of("v0", "v1", "v2")) {
            answer(clients.connect("/"), "q", value);
        }

        List<EventArgs> replies = await(io.timeout(Duration.ofSeconds(5)).emitWithAck("q"));

        assertThat(firstArgs(replies)).containsExactlyInAnyOrder("v0", "v1", "v2");
    }

    @Test
    void broadcastWithAckTimesOutWithThePartialRepliesWhenOneClientNeverAcks() {
        server();
        standardHandlers(io.sockets());
        start();
        answer(clients.connect("/"), "q", "v0");
        answer(clients.connect("/"), "q", "v1");
        clients.connect("/").on("q", args -> {}); // receives, never acks

        Throwable failure = failure(io.timeout(Duration.ofMillis(300)).emitWithAck("q"));

        assertThat(failure)
                .isInstanceOfSatisfying(AckTimeoutException.class, e -> assertThat(firstArgs(e.partialResponses()))
                        .containsExactlyInAnyOrder("v0", "v1"));
    }

    // ---- server-side socket management ----------------------------------------------------------------------------

    @Test
    void fetchSocketsReturnsTheConnectedSocketsAndThoseOfARoom() {
        server();
        standardHandlers(io.sockets());
        start();
        var inR1 = joined(clients.connect("/"), "r");
        var inR2 = joined(clients.connect("/"), "r");
        var outside = clients.connect("/");

        assertThat(ids(await(io.fetchSockets()))).containsExactlyInAnyOrder(inR1.id(), inR2.id(), outside.id());
        assertThat(ids(await(io.in("r").fetchSockets()))).containsExactlyInAnyOrder(inR1.id(), inR2.id());
    }

    @Test
    void socketsJoinPutsEverySocketInTheRoomAndSocketsLeaveTakesThemOut() {
        server();
        standardHandlers(io.sockets());
        start();
        var all = List.of(clients.connect("/"), clients.connect("/"), clients.connect("/"));
        List<List<Object[]>> received = all.stream().map(c -> record(c, "news")).toList();

        io.socketsJoin("r2");
        io.to("r2").emit("news", "joined");
        all.forEach(ServerApiIT::sync);
        assertThat(received).allSatisfy(r -> assertThat(r).hasSize(1));

        io.in("r2").socketsLeave("r2");
        io.to("r2").emit("news", "left");
        all.forEach(ServerApiIT::sync);
        assertThat(received).allSatisfy(r -> assertThat(r).hasSize(1));
        assertThat(await(io.in("r2").fetchSockets())).isEmpty();
    }

    @Test
    void disconnectSocketsOfARoomDisconnectsOnlyThoseSockets() {
        server();
        standardHandlers(io.sockets());
        start();
        var inR1 = joined(clients.connect("/"), "r");
        var inR2 = joined(clients.connect("/"), "r");
        var outside = clients.connect("/");
        String idInR1 = inR1.id(); // the client forgets its id when disconnected
        String idInR2 = inR2.id();
        CompletableFuture<Object[]> gone1 = next(inR1, EVENT_DISCONNECT);
        CompletableFuture<Object[]> gone2 = next(inR2, EVENT_DISCONNECT);

        io.in("r").disconnectSockets(false);

        assertThat(await(gone1)).containsExactly("io server disconnect");
        assertThat(await(gone2)).containsExactly("io server disconnect");
        assertThat(await(seen(idInR1).reason())).isEqualTo(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
        assertThat(await(seen(idInR2).reason())).isEqualTo(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
        sync(outside);
        assertThat(outside.connected()).isTrue();
        assertThat(ids(await(io.fetchSockets()))).containsExactly(outside.id());
    }

    // ---- disconnection --------------------------------------------------------------------------------------------

    @Test
    void clientDisconnectIsReportedAsClientNamespaceDisconnectAndDisconnectingStillSeesTheRooms() {
        server();
        standardHandlers(io.sockets());
        start();
        var client = joined(clients.connect("/"), "room-1", "room-2");
        String id = client.id();

        client.disconnect();

        assertThat(await(seen(id).roomsWhenDisconnecting())).containsExactlyInAnyOrder(id, "room-1", "room-2");
        assertThat(await(seen(id).reason())).isEqualTo(DisconnectReason.CLIENT_NAMESPACE_DISCONNECT);
        assertThat(await(io.fetchSockets())).isEmpty();
    }

    @Test
    void serverDisconnectIsReportedAsServerNamespaceDisconnectOnBothSides() {
        server();
        standardHandlers(io.sockets());
        start();
        var client = joined(clients.connect("/"), "room-1");
        String id = client.id(); // the client forgets its id when disconnected
        CompletableFuture<Object[]> gone = next(client, EVENT_DISCONNECT);

        serverSocketOf(client).disconnect(false);

        assertThat(await(gone)).containsExactly("io server disconnect");
        assertThat(await(seen(id).roomsWhenDisconnecting())).contains("room-1");
        assertThat(await(seen(id).reason())).isEqualTo(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
    }

    @Test
    void clientClosingItsConnectionIsReportedAsTransportClose() {
        server();
        standardHandlers(io.sockets());
        start();
        CompletableFuture<WebSocket> webSocket = new CompletableFuture<>();
        var client = clients.connect("/", exposingWebSocket(webSocket));
        String id = client.id();
        sync(client);

        await(webSocket).close(1000, "bye");

        assertThat(await(seen(id).reason())).isEqualTo(DisconnectReason.TRANSPORT_CLOSE);
    }

    // ---- dynamic namespaces ---------------------------------------------------------------------------------------

    @Test
    void dynamicNamespaceAcceptsMatchingNamesAndEachSocketSeesItsConcreteNamespace() {
        server();
        Namespace dynamic = io.of(Pattern.compile("/dyn-\\d+"));
        standardHandlers(dynamic);
        Map<String, String> namespaceSeenOnConnection = new ConcurrentHashMap<>();
        dynamic.onConnection(socket ->
                namespaceSeenOnConnection.put(socket.id(), socket.namespace().name()));
        start();

        var one = clients.connect("/dyn-1");
        var fortyTwo = clients.connect("/dyn-42");
        sync(one); // the connection handlers ran before any event
        sync(fortyTwo);

        assertThat(namespaceSeenOnConnection)
                .containsOnly(Map.entry(one.id(), "/dyn-1"), Map.entry(fortyTwo.id(), "/dyn-42"));
    }

    @Test
    void dynamicNamespaceRefusesANameThatDoesNotMatch() {
        server();
        io.of(Pattern.compile("/dyn-\\d+"));
        start();

        JSONObject error = refused(clients.open("/dyn-x"));

        assertThat(error.optString("message")).isEqualTo("Invalid namespace");
    }

    @Test
    void middlewareAddedToTheParentAfterAChildExistsRunsForNewSocketsOfThatChild() {
        server();
        Namespace dynamic = io.of(Pattern.compile("/dyn-\\d+"));
        standardHandlers(dynamic);
        start();
        var before = clients.connect("/dyn-7");

        dynamic.use((socket, next) -> next.reject("added later"));

        assertThat(refused(clients.open("/dyn-7")).optString("message")).isEqualTo("added later");
        sync(before);
    }

    @Test
    void dynamicNamespaceByPredicateAcceptsTheNamesItApproves() {
        server();
        Namespace dynamic = io.of(name -> name.startsWith("/p-"));
        standardHandlers(dynamic);
        start();

        var client = clients.connect("/p-anything");

        assertThat(serverSocketOf(client).namespace().name()).isEqualTo("/p-anything");
        assertThat(refused(clients.open("/q-anything")).optString("message")).isEqualTo("Invalid namespace");
    }

    // ---- threading and bounds -------------------------------------------------------------------------------------

    @Test
    void handlersOfOneSocketRunOneAtATimeInArrivalOrder() {
        server();
        standardHandlers(io.sockets());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Integer> order = new CopyOnWriteArrayList<>();
        io.onConnection(socket -> socket.on("seq", (args, ack) -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            order.add(args.get(0).asInt());
            LockSupport.parkNanos(200_000); // widens the window in which a second run would overlap
            running.decrementAndGet();
        }));
        start();
        var client = clients.connect("/");

        for (int i = 0; i < 100; i++) {
            client.emit("seq", i);
        }
        sync(client);

        assertThat(mostAtOnce).hasValue(1);
        assertThat(order)
                .containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
    }

    @Test
    void aBlockedHandlerOfOneSocketDoesNotDelayAnotherSocket() {
        server();
        standardHandlers(io.sockets());
        CompletableFuture<Void> entered = new CompletableFuture<>();
        AtomicBoolean exited = new AtomicBoolean();
        io.onConnection(socket -> socket.on("block", (args, ack) -> {
            entered.complete(null);
            release.await();
            exited.set(true);
        }));
        start();
        var blocked = clients.connect("/");
        var free = clients.connect("/");

        blocked.emit("block");
        await(entered);
        sync(free);

        assertThat(exited).as("the blocked handler is still blocked").isFalse();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void aSocketThatOverrunsItsInboundQueueIsDisconnectedAndOthersKeepWorking(String transport) {
        server(c -> c.maxQueuedEventsPerSocket(5));
        standardHandlers(io.sockets());
        io.onConnection(socket -> socket.on("block", (args, ack) -> release.await()));
        start();
        var flooder =
                clients.connect("/", answeringCloseFrames().andThen(o -> o.transports = new String[] {transport}));
        var bystander = clients.connect("/", o -> o.transports = new String[] {transport});
        String flooderId = flooder.id();
        CompletableFuture<Object[]> gone = next(flooder, EVENT_DISCONNECT);

        for (int i = 0; i < 50; i++) {
            flooder.emit("block", i);
        }

        assertThat((String) await(gone)[0]).isIn("transport close", "transport error");
        sync(bystander);
        assertThat(bystander.connected()).isTrue();
        release.countDown(); // the disconnect handlers run on the socket's lane, after the blocked handler
        assertThat(await(seen(flooderId).reason())).isEqualTo(DisconnectReason.INBOUND_QUEUE_FULL);
    }

    // ---- middlewares and handshake --------------------------------------------------------------------------------

    @Test
    void middlewareRejectionReachesTheClientWithMessageAndData() {
        server();
        io.use((socket, next) -> next.reject("nope", Map.of("k", 1)));
        start();

        JSONObject error = refused(clients.open("/"));

        assertThat(error.optString("message")).isEqualTo("nope");
        assertThat(error.optJSONObject("data").optInt("k")).isEqualTo(1);
    }

    @Test
    void middlewareThrowingConnectionRefusedExceptionRejectsWithMessageAndData() {
        server();
        io.use((socket, next) -> {
            throw new ConnectionRefusedException("nope", Map.of("k", 1));
        });
        start();

        JSONObject error = refused(clients.open("/"));

        assertThat(error.optString("message")).isEqualTo("nope");
        assertThat(error.optJSONObject("data").optInt("k")).isEqualTo(1);
    }

    @Test
    void middlewareMayAcceptLaterFromAnotherThread() {
        server();
        standardHandlers(io.sockets());
        io.use((socket, next) -> CompletableFuture.runAsync(next::accept));
        start();

        var client = clients.connect("/");

        sync(client);
        assertThat(client.connected()).isTrue();
    }

    @Test
    void middlewaresRunInRegistrationOrderBeforeTheConnectionHandler() {
        server();
        standardHandlers(io.sockets());
        List<String> calls = new CopyOnWriteArrayList<>();
        io.use((socket, next) -> {
            calls.add("first");
            CompletableFuture.runAsync(next::accept);
        });
        io.use((socket, next) -> {
            calls.add("second");
            next.accept();
        });
        io.use((socket, next) -> {
            calls.add("third");
            next.accept();
        });
        io.onConnection(socket -> calls.add("connection"));
        start();

        sync(clients.connect("/"));

        assertThat(calls).containsExactly("first", "second", "third", "connection");
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void middlewareDataAndTheHandshakeAreVisibleInTheConnectionHandler(String transport) {
        server();
        io.use((socket, next) -> {
            socket.data().put("user", "ann");
            next.accept();
        });
        CompletableFuture<List<Object>> onConnection = new CompletableFuture<>();
        io.onConnection(socket -> onConnection.complete(List.of(
                socket.data().get("user"),
                socket.handshake().auth("token"),
                socket.handshake().query("x"),
                socket.handshake().header("user-agent"))));
        start();

        clients.connect("/", o -> {
            o.transports = new String[] {transport};
            o.auth = Map.of("token", "t0k");
            o.query = "x=1";
            o.extraHeaders = Map.of("User-Agent", List.of("server-api-it"));
        });

        assertThat(await(onConnection))
                .containsExactly("ann", Optional.of("t0k"), Optional.of("1"), Optional.of("server-api-it"));
    }

    // ---- emitting -------------------------------------------------------------------------------------------------

    @Test
    void droppableEmitIsDeliveredToAWritableWebSocketClient() {
        server();
        io.onConnection(
                socket -> socket.on("give", (args, ack) -> socket.droppable().emit("gift", "g")));
        start();
        var client = clients.connect("/");
        CompletableFuture<Object[]> gift = next(client, "gift");

        client.emit("give");

        assertThat(await(gift)).containsExactly("g");
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"polling", "websocket"})
    void byteArraysFromTheServerArriveAsBinaryAtTopLevelAndNested(String transport) {
        server();
        standardHandlers(io.sockets());
        start();
        var client = clients.connect("/", o -> o.transports = new String[] {transport});
        CompletableFuture<Object[]> bin = next(client, "bin");

        serverSocketOf(client).emit("bin", new byte[] {1, 2, 3}, Map.of("nested", new byte[] {4}));

        Object[] args = await(bin);
        assertThat(args[0])
                .isInstanceOfSatisfying(byte[].class, b -> assertThat(b).containsExactly(1, 2, 3));
        assertThat(args[1]).isInstanceOfSatisfying(JSONObject.class, o -> assertThat(o.opt("nested"))
                .isInstanceOfSatisfying(byte[].class, b -> assertThat(b).containsExactly(4)));
    }

    @Test
    void emittingAReservedEventNameIsRefused() {
        server();
        standardHandlers(io.sockets());
        start();
        Socket socket = serverSocketOf(clients.connect("/"));

        assertThatThrownBy(() -> socket.emit("disconnect"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"disconnect\"")
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> io.emit("connect"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved");
    }
}
