package io.courier.interop.bench;

import io.courier.Courier;
import io.courier.DurableQueues;
import io.courier.durable.JournalMessageStore;
import io.courier.durable.Retention;
import io.courier.durable.StoredMessage;
import io.courier.interop.support.ClientScript;
import io.courier.journal.JournalConfig;
import io.courier.standalone.ConformanceServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The durable-queue measurements of issue 3 (numbers for the README, never asserted): durable fan-out to N stock
 * clients versus the same fan-out without durability, publish-to-durable-ack latency, and the replay rate of one
 * subscriber's 1,000,000 queued messages after a restart. Run it with {@code ./courier bench-durable} (see README).
 */
public final class DurableBench {
    private DurableBench() {}

    public static void main(String[] args) throws Exception {
        int clients = Integer.getInteger("bench.clients", 1000);
        int messages = Integer.getInteger("bench.messages", 200);
        int replay = Integer.getInteger("bench.replay", 1_000_000);
        Path dir = Files.createTempDirectory("courier-bench");
        System.out.println("Courier durable-queue bench, "
                + Runtime.getRuntime().availableProcessors() + " cores, data in " + dir);
        if (!Boolean.getBoolean("bench.fanOutOnly")) {
            latency(dir.resolve("latency"));
            replay(dir.resolve("replay"), replay);
        }
        String only = System.getProperty("bench.only", "");
        double plain = only.equals("durable") ? Double.NaN : fanOut(dir.resolve("fan-plain"), clients, messages, false);
        double durable =
                only.equals("plain") ? Double.NaN : fanOut(dir.resolve("fan-durable"), clients, messages, true);
        System.out.printf(
                "fan-out to %d clients x %d messages: non-durable %.0f deliveries/s, durable %.0f deliveries/s,"
                        + " ratio %.2f%n",
                clients, messages, plain, durable, durable / plain);
    }

    /** Publish-to-durable-ack latency (fsync ALWAYS) with one publisher at a time and with 32 in flight. */
    private static void latency(Path dir) {
        try (Courier io = Courier.create(c -> c.durableQueues(d -> d.directory(dir)))) {
            DurableQueues q = io.durable();
            for (int inFlight : new int[] {1, 32}) {
                int n = inFlight == 1 ? 2_000 : 50_000;
                long[] nanos = new long[n];
                Semaphore window = new Semaphore(inFlight);
                List<CompletableFuture<?>> all = new ArrayList<>();
                long started = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    window.acquireUninterruptibly();
                    int k = i;
                    long t0 = System.nanoTime();
                    all.add(q.publish("latency", "tick", k).whenComplete((p, e) -> {
                        nanos[k] = System.nanoTime() - t0;
                        window.release();
                    }));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
                double seconds = (System.nanoTime() - started) / 1e9;
                Arrays.sort(nanos);
                System.out.printf(
                        "publish-to-durable-ack, %d in flight: p50 %.2f ms, p99 %.2f ms, %.0f publishes/s%n",
                        inFlight, nanos[n / 2] / 1e6, nanos[n * 99 / 100] / 1e6, n / seconds);
            }
        }
    }

    /** One subscriber's queue of {@code count} 100-byte messages: reopen time and read-back rate. */
    private static void replay(Path dir, int count) throws Exception {
        byte[] payload = new byte[100];
        Arrays.fill(payload, (byte) 'x');
        try (JournalMessageStore store =
                JournalMessageStore.open(dir, JournalConfig.defaults(), c -> Retention.DEFAULT)) {
            store.subscribe("client", "queue").join();
            List<CompletableFuture<StoredMessage>> batch = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                batch.add(store.append("queue", payload));
                if (batch.size() == 10_000) {
                    CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new))
                            .join();
                    batch.clear();
                }
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
        }
        long t0 = System.nanoTime();
        try (JournalMessageStore store =
                JournalMessageStore.open(dir, JournalConfig.defaults(), c -> Retention.DEFAULT)) {
            long opened = System.nanoTime();
            long cursor = store.subscriptions("client").join().get("queue");
            long read = 0;
            List<StoredMessage> page;
            while (!(page = store.readAfter("queue", cursor, 1000).join()).isEmpty()) {
                read += page.size();
                cursor = page.get(page.size() - 1).seq();
            }
            long done = System.nanoTime();
            System.out.printf(
                    "replay of %d queued messages after a restart: open %.0f ms, read %.0f ms (%.0f messages/s)%n",
                    read, (opened - t0) / 1e6, (done - opened) / 1e6, read / ((done - opened) / 1e9));
        }
    }

    /**
     * Deliveries per second to {@code clients} stock clients, durable or not. The clients run in two Node processes,
     * so that one single-threaded Node process acknowledging every delivery is not what gets measured.
     */
    private static double fanOut(Path dir, int clients, int messages, boolean durable) throws Exception {
        boolean noAck = Boolean.getBoolean("bench.noack");
        int processes = Integer.getInteger("bench.nodes", 2);
        try (ConformanceServer server = ConformanceServer.startDurable("127.0.0.1", 0, d -> d.directory(dir)
                .inFlightWindow(noAck ? Math.max(100, messages) : Integer.getInteger("bench.window", 100)))) {
            Courier io = server.courier();
            var os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpuBefore = os.getProcessCpuTime();
            long[] cpuReady = new long[2];
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(processes);
            Thread.ofVirtual().start(() -> {
                try {
                    ready.await();
                } catch (InterruptedException e) {
                    return;
                }
                cpuReady[0] = os.getProcessCpuTime();
                cpuReady[1] = threads.getTotalThreadAllocatedBytes();
                Semaphore inFlight = new Semaphore(64); // publishes pipelined, as several publishers would
                for (int i = 0; i < messages; i++) {
                    if (durable) {
                        inFlight.acquireUninterruptibly();
                        io.durable().publish("fan", "tick", i).whenComplete((p, e) -> inFlight.release());
                    } else {
                        io.to("channel:fan").emit("tick", i);
                    }
                }
            });
            List<CompletableFuture<ClientScript.Result>> runs = new ArrayList<>();
            for (int k = 0; k < processes; k++) {
                int share = clients / processes + (k < clients % processes ? 1 : 0);
                int offset = k * (clients / processes);
                runs.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return ClientScript.of("bench-fanout.js")
                                        .env("COURIER_URL", "http://127.0.0.1:" + server.port())
                                        .env("COURIER_TRANSPORTS", "websocket")
                                        .env("COURIER_CLIENTS", String.valueOf(share))
                                        .env("CLIENT_OFFSET", String.valueOf(offset))
                                        .env("COURIER_MESSAGES", String.valueOf(messages))
                                        .env("DURABLE", durable ? "1" : "0")
                                        .env("NOACK", noAck ? "1" : "0")
                                        .timeout(Duration.ofMinutes(10))
                                        .onPhase(phase -> ready.countDown())
                                        .run();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        // a thread each: they wait for one another (the common pool may have one thread)
                        r -> Thread.ofVirtual().start(r)));
            }
            long first = Long.MAX_VALUE;
            long last = 0;
            long clientCpu = 0;
            for (CompletableFuture<ClientScript.Result> run : runs) {
                ClientScript.Result r = run.join();
                if (!r.ok()) {
                    throw new IllegalStateException(r.describe());
                }
                first = Math.min(first, r.result().path("first").asLong());
                last = Math.max(last, r.result().path("last").asLong());
                clientCpu += r.result().path("clientCpuMs").asLong();
            }
            long cpuDone = os.getProcessCpuTime();
            long allocatedDone = threads.getTotalThreadAllocatedBytes();
            double rate = (double) clients * messages * 1000 / Math.max(1, last - first);
            System.out.printf(
                    "  %s fan-out: %.0f deliveries/s; CPU: server %d ms, clients %d ms (connecting included);"
                            + " from ready to the last delivery, server %.2f µs and %.0f bytes allocated per delivery%n",
                    durable ? "durable" : "non-durable",
                    rate,
                    (cpuDone - cpuBefore) / 1_000_000,
                    clientCpu,
                    (cpuDone - cpuReady[0]) / 1e3 / ((double) clients * messages),
                    (allocatedDone - cpuReady[1]) / ((double) clients * messages));
            return rate;
        }
    }
}
