package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability test R13 with numbers: a partition between one node and Redis. Hub A runs in a JVM of its own inside a
 * network namespace of the test's own, joined to the host by a veth pair; hub B runs on the host; both use a
 * redis-server of the test's own ({@code appendfsync always}) that listens on the host's end of the veth too. Two
 * sequential publishers per hub publish through its HTTP API and a durable subscriber (the official Java client) is
 * connected to each hub. Midway an nftables rule in the namespace drops every packet between hub A and Redis (the
 * HTTP and Socket.IO traffic from the host goes on), then the rule is removed.
 *
 * <p>It asserts that hub A acknowledges no publish while it is cut off (a publish it cannot make durable in Redis is
 * refused), that {@code /readyz} of hub A answers 503 while it is cut off and 200 after, and that no acknowledged
 * publish is lost or reordered for either subscriber; it reports duplicated and unexpected (delivered, never
 * acknowledged) deliveries and the time hub A took to recover. Network namespaces need root and {@code ip} and
 * {@code nft}: without them the test is skipped.
 */
class PartitionTest {
    private static final long PID = ProcessHandle.current().pid();
    /** How long hub A stays cut off at least once its {@code /readyz} says so: past Redis commands' 10 s timeout. */
    private static final Duration CUT = Duration.ofSeconds(12);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final String ns = "courier-r13-" + PID;
    private final String vethHost = "r13h" + PID;
    private final String vethNs = "r13n" + PID;
    private boolean namespaceMade;
    private Process hubA;
    private Path hubALog;

    /** 0 before the cut, 1 while cut off, 2 after the heal. */
    private volatile int phase;

    private volatile long cutAt;
    private volatile long healAt;
    private volatile boolean stop;

    @TempDir
    Path data;

    @AfterEach
    void tearDown() throws Exception {
        stop = true;
        for (AutoCloseable c : opened.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("R13 cleanup: " + e);
            }
        }
        opened.clear();
        cleanUpNetwork();
    }

    @Test
    void aNodeCutOffFromRedisAcknowledgesNothingAndLosesNothing() throws Exception {
        assumeNamespacesWork();
        String subnet = freeSubnet();
        String hostAddress = subnet + ".1";
        String nsAddress = subnet + ".2";
        try {
            makeNamespace(hostAddress, nsAddress);

            RedisServer redis = new RedisServer(List.of(
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    "",
                    // the host's end of the veth as well, for hub A in the namespace
                    "--bind",
                    "127.0.0.1",
                    hostAddress,
                    "--protected-mode",
                    "no"));
            opened.add(redis);
            redis.start();
            String key = "r13-" + PID;
            int portA = 3000;
            startHubA(nsAddress, portA, "redis://" + hostAddress + ":" + redis.port(), key);
            String hubAUrl = "http://" + nsAddress + ":" + portA;
            int portB = hubB(redis.uri(), key);
            String hubBUrl = "http://127.0.0.1:" + portB;
            eventually(() -> status(hubAUrl + "/readyz") == 200, "hub A ready");

            Subscriber onA = subscribe(hubAUrl, "sub-on-a");
            Subscriber onB = subscribe(hubBUrl, "sub-on-b");

            List<Publish> publishes = new CopyOnWriteArrayList<>();
            List<Thread> lanes = new ArrayList<>();
            for (String lane : List.of("A0", "A1", "B0", "B1")) {
                String url = (lane.startsWith("A") ? hubAUrl : hubBUrl) + "/api/publish";
                lanes.add(Thread.ofPlatform().name("r13-" + lane).start(() -> publishLoop(url, lane, publishes)));
            }
            opened.add(() -> {
                stop = true;
                for (Thread t : lanes) {
                    t.join(TimeUnit.SECONDS.toMillis(40));
                }
            });

            Thread.sleep(3000);
            nft("add table inet courier_r13");
            nft("add chain inet courier_r13 out { type filter hook output priority 0 ; policy accept ; }");
            nft("add chain inet courier_r13 in { type filter hook input priority 0 ; policy accept ; }");
            nft("add rule inet courier_r13 out ip daddr " + hostAddress + " tcp dport " + redis.port() + " drop");
            nft("add rule inet courier_r13 in ip saddr " + hostAddress + " tcp sport " + redis.port() + " drop");
            cutAt = System.nanoTime();
            phase = 1;
            // no time is asserted: 60 s is a hang guard
            boolean wentUnready = poll(() -> status(hubAUrl + "/readyz") == 503, 60);
            long unreadyAfter = System.nanoTime() - cutAt;
            int readyzWhileCut = status(hubAUrl + "/readyz");
            String metricsWhileCut = body(hubAUrl + "/metrics");
            Thread.sleep(CUT.toMillis());
            // and until A answered a publish sent after the cut and B acknowledged one: a lane of A whose command was
            // in flight at the cut gets its next one answered only at the second command timeout, about 20 s after
            // the cut, which a loaded machine can push past the sleep (60 s: a hang guard; asserted below)
            poll(
                    () -> publishes.stream()
                            .anyMatch(p -> p.lane.startsWith("A") && p.invoked > cutAt && p.answered != Long.MAX_VALUE),
                    60);
            poll(
                    () -> publishes.stream()
                            .anyMatch(p -> p.lane.startsWith("B")
                                    && p.invoked > cutAt
                                    && p.answered != Long.MAX_VALUE
                                    && p.acknowledged()),
                    60);
            int readyzEndOfCut = status(hubAUrl + "/readyz");

            healAt = System.nanoTime();
            nft("delete table inet courier_r13");
            phase = 2;
            boolean readyAgain = poll(() -> status(hubAUrl + "/readyz") == 200, 60);
            long readyAfterHeal = System.nanoTime() - healAt;
            boolean publishesAgain = poll(
                    () -> publishes.stream()
                            .anyMatch(p -> p.lane.startsWith("A") && p.invoked > healAt && p.acknowledged()),
                    60);
            long publishAfterHeal = System.nanoTime() - healAt;
            Set<String> ackedBeforeHeal = new HashSet<>();
            for (Publish p : publishes) {
                if (p.acknowledged() && p.answered < healAt) {
                    ackedBeforeHeal.add(p.value());
                }
            }
            boolean caughtUp = poll(() -> onA.values().containsAll(ackedBeforeHeal), 60);
            long caughtUpAfterHeal = System.nanoTime() - healAt;
            Thread.sleep(3000);
            stop = true;
            for (Thread t : lanes) {
                t.join(TimeUnit.SECONDS.toMillis(40));
            }

            Set<String> acked = new HashSet<>();
            int ackedByAWhileCut = 0;
            int tried = 0;
            int triedOnAWhileCut = 0;
            for (Publish p : publishes) {
                tried++;
                if (p.acknowledged()) {
                    acked.add(p.value());
                }
                if (p.lane.startsWith("A") && p.invoked > cutAt && p.answered < healAt) {
                    triedOnAWhileCut++;
                    if (p.acknowledged()) {
                        ackedByAWhileCut++;
                    }
                }
            }
            int ackedOnBWhileCut = (int) publishes.stream()
                    .filter(p -> p.lane.startsWith("B") && p.invoked > cutAt && p.answered < healAt)
                    .filter(Publish::acknowledged)
                    .count();
            eventually(() -> onA.values().containsAll(acked) && onB.values().containsAll(acked), "every ack delivered");
            Thread.sleep(500); // late duplicates, if any, to count them

            System.out.printf(
                    "R13 partition: %d publishes, %d acknowledged; while cut off (%d ms): hub A answered %d, "
                            + "acknowledged %d; hub B acknowledged %d; /readyz of A %s (503 after %d ms, %d at the end"
                            + " of the cut), then 200 %d ms after the heal; first publish acknowledged by A %d ms"
                            + " after the heal; its subscriber had everything acknowledged before the heal %d ms"
                            + " after it%n",
                    tried,
                    acked.size(),
                    TimeUnit.NANOSECONDS.toMillis(healAt - cutAt),
                    triedOnAWhileCut,
                    ackedByAWhileCut,
                    ackedOnBWhileCut,
                    wentUnready ? "503" : "stayed " + readyzWhileCut,
                    TimeUnit.NANOSECONDS.toMillis(unreadyAfter),
                    readyzEndOfCut,
                    TimeUnit.NANOSECONDS.toMillis(readyAfterHeal),
                    TimeUnit.NANOSECONDS.toMillis(publishAfterHeal),
                    TimeUnit.NANOSECONDS.toMillis(caughtUpAfterHeal));
            Map<String, Checked> checked = new HashMap<>();
            for (Subscriber s : List.of(onA, onB)) {
                Checked c = check(s, acked);
                checked.put(s.name, c);
                System.out.printf(
                        "R13 %s: delivered %d, lost %d, duplicated %d, unexpected %d, reordered %d%n",
                        s.name, s.deliveries.size(), c.lost.size(), c.duplicated, c.unexpected.size(), c.reordered);
            }

            assertThat(wentUnready)
                    .as("/readyz of the cut-off node: %s; metrics: %s", readyzWhileCut, metricsWhileCut)
                    .isTrue();
            assertThat(metricsWhileCut).contains("courier_cluster_redis_connected 0.0");
            assertThat(ackedByAWhileCut)
                    .as("publishes acknowledged by a node that could not reach Redis")
                    .isZero();
            assertThat(triedOnAWhileCut)
                    .as("publishes answered by A while cut off")
                    .isPositive();
            assertThat(ackedOnBWhileCut).as("hub B went on").isPositive();
            assertThat(readyAgain && publishesAgain && caughtUp)
                    .as("recovered after the heal")
                    .isTrue();
            assertThat(status(hubAUrl + "/readyz")).isEqualTo(200);
            for (Map.Entry<String, Checked> e : checked.entrySet()) {
                assertThat(e.getValue().lost)
                        .as("%s: acknowledged and never delivered", e.getKey())
                        .isEmpty();
                assertThat(e.getValue().reordered)
                        .as("%s: delivered out of order", e.getKey())
                        .isZero();
            }
        } catch (Throwable t) {
            if (hubALog != null && Files.exists(hubALog)) {
                System.err.println("R13 hub A said:\n" + Files.readString(hubALog));
            }
            throw t;
        } finally {
            stop = true;
            for (AutoCloseable c : opened.reversed()) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("R13 cleanup: " + e);
                }
            }
            opened.clear();
            cleanUpNetwork();
        }
    }

    /**
     * Lost (acknowledged, never delivered), duplicated, unexpected (delivered, never acknowledged) and reordered (a
     * first delivery with a lower seq than one before it, or behind an earlier publish of its own sequential lane).
     */
    private static Checked check(Subscriber s, Set<String> acked) {
        List<Delivery> deliveries = List.copyOf(s.deliveries);
        Set<String> seen = new HashSet<>();
        Set<String> unexpected = new HashSet<>();
        Map<String, Integer> highestInLane = new HashMap<>();
        long highestSeq = 0;
        int duplicated = 0;
        int reordered = 0;
        for (Delivery d : deliveries) {
            if (!seen.add(d.value)) {
                duplicated++;
                continue;
            }
            if (!acked.contains(d.value)) {
                unexpected.add(d.value);
            }
            String lane = d.value.substring(0, d.value.indexOf(':'));
            int n = Integer.parseInt(d.value.substring(d.value.indexOf(':') + 1));
            if (d.seq < highestSeq || n < highestInLane.getOrDefault(lane, 0)) {
                reordered++;
            }
            highestSeq = Math.max(highestSeq, d.seq);
            highestInLane.merge(lane, n, Math::max);
        }
        Set<String> lost = new HashSet<>(acked);
        lost.removeAll(seen);
        return new Checked(lost, duplicated, unexpected, reordered);
    }

    private record Checked(Set<String> lost, int duplicated, Set<String> unexpected, int reordered) {}

    private record Delivery(String value, long seq) {}

    private record Subscriber(String name, List<Delivery> deliveries) {
        Set<String> values() {
            Set<String> v = new HashSet<>();
            for (Delivery d : deliveries) {
                v.add(d.value);
            }
            return v;
        }
    }

    private static final class Publish {
        final String lane;
        final int n;
        final long invoked = System.nanoTime();
        volatile long answered = Long.MAX_VALUE;
        volatile int status;

        Publish(String lane, int n) {
            this.lane = lane;
            this.n = n;
        }

        String value() {
            return lane + ":" + n;
        }

        boolean acknowledged() {
            return status == 200;
        }
    }

    /** One sequential publisher: the next publish once the last one was answered (or failed). */
    private void publishLoop(String url, String lane, List<Publish> publishes) {
        for (int n = 1; !stop && n <= 5000; n++) {
            Publish p = new Publish(lane, n);
            publishes.add(p);
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"channel\":\"parcels\",\"event\":\"parcel\"," + "\"args\":[\"" + p.value()
                                                + "\"]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                p.status = r.statusCode();
            } catch (Exception e) {
                p.status = -1;
            }
            p.answered = System.nanoTime();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A durable subscriber (the official Java client, hub protocol {@code subscribe}) that acks what it gets. */
    private Subscriber subscribe(String url, String clientId) throws Exception {
        Subscriber s = new Subscriber(clientId, new CopyOnWriteArrayList<>());
        Socket socket = IO.socket(
                url,
                IO.Options.builder()
                        .setTransports(new String[] {"websocket"})
                        .setForceNew(true)
                        .setAuth(Map.of("clientId", clientId))
                        .build());
        opened.add(socket::close);
        socket.on("parcel", args -> {
            s.deliveries.add(new Delivery((String) args[0], ((JSONObject) args[1]).optLong("seq", -1)));
            ((Ack) args[args.length - 1]).call();
        });
        CompletableFuture<Object> subscribed = new CompletableFuture<>();
        socket.on(
                Socket.EVENT_CONNECT,
                args -> socket.emit("subscribe", new Object[] {"parcels"}, reply -> subscribed.complete(reply[0])));
        socket.connect();
        assertThat(((JSONObject) subscribed.get(30, TimeUnit.SECONDS)).getBoolean("ok"))
                .isTrue();
        return s;
    }

    // ---- the namespace, its veth pair and the rule

    /** Skips the test where network namespaces cannot be made: not root, no {@code ip} or no {@code nft}. */
    private void assumeNamespacesWork() throws Exception {
        assumeTrue(
                System.getProperty("os.name").startsWith("Linux"),
                "R13 needs Linux network namespaces; skipped on " + System.getProperty("os.name"));
        assumeTrue(
                run(List.of("id", "-u")).trim().equals("0"),
                "R13 needs root to make a network namespace, a veth pair and nftables rules; skipped");
        assumeTrue(onPath("ip"), "R13 needs iproute2 (ip) on the PATH; skipped");
        assumeTrue(onPath("nft"), "R13 needs nftables (nft) on the PATH; skipped");
        String made = tryRun(List.of("ip", "netns", "add", ns));
        assumeTrue(made == null, "R13 cannot make a network namespace here (" + made + "); skipped");
        namespaceMade = true;
        String nftables = tryRun(List.of("ip", "netns", "exec", ns, "nft", "list", "ruleset"));
        assumeTrue(nftables == null, "R13 cannot use nftables in a network namespace here (" + nftables + "); skipped");
    }

    /** A 10.200.N.0/30 no interface uses yet. */
    private static String freeSubnet() throws Exception {
        String used = run(List.of("ip", "-o", "-4", "addr", "show"));
        for (int i = 0; i < 250; i++) {
            String subnet = "10.200." + ((PID + i) % 250 + 1);
            if (!used.contains(" " + subnet + ".")) {
                return subnet;
            }
        }
        throw new IllegalStateException("no free 10.200.N.0/30 subnet");
    }

    private void makeNamespace(String hostAddress, String nsAddress) throws Exception {
        run(List.of("ip", "link", "add", vethHost, "type", "veth", "peer", "name", vethNs));
        run(List.of("ip", "link", "set", vethNs, "netns", ns));
        run(List.of("ip", "addr", "add", hostAddress + "/30", "dev", vethHost));
        run(List.of("ip", "link", "set", vethHost, "up"));
        run(List.of("ip", "netns", "exec", ns, "ip", "addr", "add", nsAddress + "/30", "dev", vethNs));
        run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", vethNs, "up"));
        run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
    }

    private void nft(String command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nft"));
        argv.addAll(List.of(command.split(" ")));
        run(argv);
    }

    /** Stops hub A, then deletes the namespace (its end of the veth and its nftables rules go with it). */
    private void cleanUpNetwork() {
        if (hubA != null) {
            hubA.destroyForcibly();
            try {
                hubA.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            hubA = null;
        }
        if (namespaceMade) {
            String failed = tryRun(List.of("ip", "netns", "del", ns));
            if (failed != null) {
                System.err.println("R13 cleanup: ip netns del " + ns + ": " + failed);
            } else {
                namespaceMade = false;
            }
        }
        // gone with the namespace; only left over if the namespace was never reached
        tryRun(List.of("ip", "link", "del", vethHost));
    }

    /** Hub A: its own JVM, started inside the namespace with this test's class path. */
    private void startHubA(String host, int port, String redisUri, String key) throws Exception {
        hubALog = data.resolve("hub-a.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        hubA = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.courier.standalone.Main",
                        "--host",
                        host,
                        "--port",
                        String.valueOf(port),
                        "--data",
                        data.resolve("hub-a").toString(),
                        "--redis",
                        redisUri,
                        "--redis-key",
                        key)
                .redirectErrorStream(true)
                .redirectOutput(hubALog.toFile())
                .start();
        eventually(
                () -> {
                    if (!hubA.isAlive()) {
                        throw new IllegalStateException("hub A exited " + hubA.exitValue());
                    }
                    try {
                        return Files.readString(hubALog).contains("Courier listening");
                    } catch (IOException e) {
                        return false;
                    }
                },
                "hub A listening");
    }

    /** Hub B: in this JVM, on the host. */
    private int hubB(String redisUri, String key) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Launched launched = Main.launch(
                List.of(
                        "--port",
                        String.valueOf(port),
                        "--data",
                        data.resolve("hub-b").toString(),
                        "--redis",
                        redisUri,
                        "--redis-key",
                        key),
                Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(launched.server())
                .as("exit %s: %s", launched.exitCode(), err)
                .isNotNull();
        opened.add(launched.server());
        return port;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command; its output, or an exception saying how it failed. */
    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out.trim());
        }
        return out;
    }

    /** Runs a command; null if it succeeded, else why not. */
    private static String tryRun(List<String> command) {
        try {
            run(command);
            return null;
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    private int status(String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String body(String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Polls until the condition holds; false after {@code seconds} (a hang guard, not an asserted time). */
    private static boolean poll(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        if (!poll(condition, 60)) {
            throw new AssertionError(what + ": did not happen within 60 s");
        }
    }
}
