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
 * time. Delivered msgs/s, latency, server CPU per delivery. Not for the ceiling, which has no polling.
 */
public final class Polling implements Scenario {
    static final int CLIENTS = Integer.getInteger("bench.polling.clients", 200);
    static final int RATE = 50;
    static final double SECONDS = 4;
    private static final byte[] BROADCAST = Payloads.quoted("broadcast");

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
            driver.steady(RATE, 1, 15, true); // warm-up
            CpuMeter cpu = run.cpu(peer);
            FanOutDriver.Phase p = driver.steady(RATE, SECONDS, (long) SECONDS + 15, true);
            CpuMeter.Sample c = cpu.stop();
            double perDelivery = c.serverSeconds() * 1e6 / p.deliveries();
            run.metric("polling.rate", p.rate());
            run.metric("polling.lost_pct", 100.0 * p.missing() / (p.missing() + p.deliveries()));
            run.metric("polling.p50", p.p50());
            run.metric("polling.p99", p.p99());
            run.metric("polling.cpu_us", perDelivery);
            run.metric("polling.kernel_pct", c.kernelShare() * 100);
            run.metric("polling.other_cpu_s", c.otherSeconds());
            int reconnects = run.loadGen()
                    .call(() -> clients.stream().mapToInt(x -> x.reconnects).sum());
            run.metric("polling.reconnects", reconnects);
            run.progress(String.format(
                    "%,.0f deliveries/s, %.2f µs server CPU/delivery (%.0f%% kernel), p50 %.2f ms, p99 %.2f ms;"
                            + " GET connections replaced after the server closed them: %d%s",
                    p.rate(),
                    perDelivery,
                    c.kernelShare() * 100,
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
}
