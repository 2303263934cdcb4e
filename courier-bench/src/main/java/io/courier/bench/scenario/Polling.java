package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import io.courier.bench.client.Payloads;
import io.courier.bench.client.PollingConnection;
import io.courier.bench.client.WsConnection;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Broadcasts to HTTP long-polling clients: 200 polling receivers (one keep-alive connection each, GET after GET) and a
 * WebSocket publisher; a steady 50 publishes/s (10,000 deliveries/s) for 4 s, timestamped with the scheduled send
 * time, after a warm-up at that rate until the JIT compilers are nearly done ({@link #warmUp}). Delivered msgs/s,
 * latency, server CPU per delivery. Not for the ceiling, which has no polling.
 */
public final class Polling implements Scenario {
    static final int CLIENTS = Integer.getInteger("bench.polling.clients", 200);
    static final int RATE = 50;
    static final double SECONDS = 4;
    private static final byte[] BROADCAST = Payloads.quoted("broadcast");

    /** Warm-up windows: publishing at the rate for this long, until one leaves the JIT compilers little to do. */
    private static final double WARM_UP_WINDOW_SECONDS = 2;
    /** A warm-up window in which the JIT compilers took less than this share of the server's CPU ends the warm-up. */
    private static final double WARM_JIT_SHARE = 0.10;

    /**
     * netty-socketio's compilers were still at 5-21% of its CPU after 16-21 s (the slowest to settle: Courier 8-10 s,
     * socket.io 2 s); polling has no target, and {@code polling.jit_pct} shows what compiling is left.
     */
    private static final double WARM_UP_MAX_SECONDS = 12;

    /**
     * A delivery not in this long after its window's last publish is counted lost: polling latency is milliseconds,
     * but netty-socketio drops a few deliveries per window, and each such window waited out a timeout of 15-30 s.
     */
    private static final long LOST_AFTER_SECONDS = 2;

    @Override
    public String id() {
        return "polling";
    }

    @Override
    public String description() {
        return CLIENTS + " long-polling receivers, " + RATE + " broadcasts/s for " + SECONDS + " s";
    }

    @Override
    public boolean supports(ServerKind server) {
        return server != ServerKind.RAW && server != ServerKind.COURIER_INLINE;
    }

    @Override
    public void run(Run run) throws Exception {
        PeerProcess peer = run.start(List.of());
        FanOutDriver driver = new FanOutDriver(run.loadGen(), CLIENTS);
        List<PollingConnection> clients = run.loadGen()
                .connectPolling(peer.port, CLIENTS, 100, new PollingConnection.Listener() {
                    @Override
                    public void onConnected(PollingConnection c) {}

                    @Override
                    public void onEvent(PollingConnection c, ByteBuf buf, int from, int to) {
                        if (Payloads.isEvent(buf, from, to, BROADCAST)) {
                            driver.delivered(Payloads.field(buf, from, to, 's'), Payloads.field(buf, from, to, 't'));
                        }
                    }
                })
                .get(60, TimeUnit.SECONDS);
        WsConnection publisher = run.loadGen()
                .connect(peer.port, 1, 1, null, driver)
                .get(30, TimeUnit.SECONDS)
                .connections()
                .get(0);
        driver.publisher(publisher);
        run.progress("connected " + CLIENTS + " polling clients and a publisher");
        try {
            double warmUpSeconds = warmUp(run, driver, peer);
            run.metric("polling.warmup_s", warmUpSeconds);
            CpuMeter cpu = run.cpu(peer);
            FanOutDriver.Phase p = driver.steady(RATE, SECONDS, (long) SECONDS + LOST_AFTER_SECONDS, true);
            CpuMeter.Sample c = cpu.stop();
            double perDelivery = c.serverSeconds() * 1e6 / p.deliveries();
            run.metric("polling.rate", p.rate());
            run.metric("polling.lost_pct", 100.0 * p.missing() / (p.missing() + p.deliveries()));
            run.metric("polling.p50", p.p50());
            run.metric("polling.p99", p.p99());
            run.metric("polling.cpu_us", perDelivery);
            run.metric("polling.kernel_pct", c.kernelShare() * 100);
            run.metric("polling.jit_pct", c.jitShare() * 100);
            run.metric("polling.other_cpu_s", c.otherSeconds());
            int reconnects = run.loadGen()
                    .call(() -> clients.stream().mapToInt(x -> x.reconnects).sum());
            run.metric("polling.reconnects", reconnects);
            run.progress(String.format(
                    "%,.0f deliveries/s, %.2f µs server CPU/delivery (%.0f%% kernel, %.1f%% JIT), p50 %.2f ms, p99"
                            + " %.2f ms; GET connections replaced after the server closed them: %d%s",
                    p.rate(),
                    perDelivery,
                    c.kernelShare() * 100,
                    c.jitShare() * 100,
                    p.p50(),
                    p.p99(),
                    reconnects,
                    p.missing() == 0
                            ? ""
                            : String.format(
                                    "; %d deliveries LOST (%.2f%%)",
                                    p.missing(), 100.0 * p.missing() / (p.missing() + p.deliveries()))));
        } finally {
            publisher.channel().close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            run.loadGen().call(() -> {
                clients.forEach(PollingConnection::close);
                return null;
            });
        }
    }

    /**
     * Publishes at the rate in windows of {@link #WARM_UP_WINDOW_SECONDS} until the JIT compilers take less than
     * {@link #WARM_JIT_SHARE} of the server's CPU in one (at most {@link #WARM_UP_MAX_SECONDS}): after the 1 s warm-up
     * used before, C1/C2 compiling the polling path (the HTTP requests, a response per delivery) took 41-45% of
     * Courier's CPU in the measured 4 s, and its p99 was that of the compilers (9-54 ms, against 7.5-8.1 ms after an 8 s
     * warm-up). Returns the seconds it took.
     */
    private static double warmUp(Run run, FanOutDriver driver, PeerProcess peer) throws Exception {
        long t0 = System.nanoTime();
        while (true) {
            CpuMeter cpu = run.cpu(peer);
            driver.steady(RATE, WARM_UP_WINDOW_SECONDS, (long) WARM_UP_WINDOW_SECONDS + LOST_AFTER_SECONDS, true);
            double jit = cpu.stop().jitShare();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (jit < WARM_JIT_SHARE || seconds >= WARM_UP_MAX_SECONDS) {
                run.progress(String.format("warmed up in %.0f s (JIT %.0f%% of the server's CPU)", seconds, 100 * jit));
                return seconds;
            }
        }
    }
}
