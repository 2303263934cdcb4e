package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Durable fan-out against plain fan-out in the same Courier process (README "Durable queues"): 1,000 receivers, each
 * a durable identity ({@code auth: {clientId}}) subscribed to one channel; the plain burst is {@code broadcast} as in
 * {@link FanOut}, the durable burst publishes every message with {@code io.durable().publish} (stored, fsync'd, then
 * delivered with an ack request each receiver answers, as the durable protocol wants). Same burst (500 messages, at
 * most 32 not yet delivered to all); reports both rates, their ratio, and CPU per delivery of both.
 */
public final class DurableFanOut implements Scenario {
    private static final String CHANNEL = "bench";

    @Override
    public String id() {
        return "durable";
    }

    @Override
    public String description() {
        return FanOut.RECEIVERS + " durable identities subscribed to one channel: a burst of " + FanOut.BURST
                + " durable publishes against the same burst of plain broadcasts";
    }

    @Override
    public boolean supports(ServerKind server) {
        return server == ServerKind.COURIER;
    }

    @Override
    public void run(Run run) throws Exception {
        PeerProcess peer = run.start(List.of("--durable", run.tempDir().toString()));
        FanOutDriver driver = new FanOutDriver(run.loadGen(), FanOut.RECEIVERS);
        FanOut.Receivers conns =
                FanOut.connect(run, driver, new int[] {peer.port}, peer.port, i -> "{\"clientId\":\"r" + i + "\"}");
        try {
            driver.subscribe(conns.receivers(), CHANNEL).get(60, TimeUnit.SECONDS);
            run.progress("subscribed " + FanOut.RECEIVERS + " identities to '" + CHANNEL + "'");
            double[] plain = burst(run, driver, peer, null);
            double[] durable = burst(run, driver, peer, CHANNEL);
            run.metric("durable.plain_rate", plain[0]);
            run.metric("durable.plain_cpu_us", plain[1]);
            run.metric("durable.rate", durable[0]);
            run.metric("durable.cpu_us", durable[1]);
            run.metric("durable.p50", durable[2]);
            run.metric("durable.p99", durable[3]);
            run.metric("durable.ratio", durable[0] / plain[0]);
            run.metric("durable.cpu_ratio", durable[1] / plain[1]);
            run.progress(String.format(
                    "plain %,.0f deliveries/s (%.2f µs CPU each), durable %,.0f deliveries/s (%.2f µs CPU each):"
                            + " throughput %.2f×, CPU %.2f×",
                    plain[0], plain[1], durable[0], durable[1], durable[0] / plain[0], durable[1] / plain[1]));
        } finally {
            conns.closeAll();
        }
    }

    /** {rate, CPU µs per delivery, p50, p99} of one burst after a warm-up, durable to {@code channel} or plain. */
    private static double[] burst(Run run, FanOutDriver driver, PeerProcess peer, String channel) throws Exception {
        driver.durable(channel);
        driver.burst(100, FanOut.WINDOW, 120);
        CpuMeter cpu = CpuMeter.start(List.of(peer));
        FanOutDriver.Phase p = driver.burst(FanOut.BURST, FanOut.WINDOW, 180);
        CpuMeter.Sample c = cpu.stop();
        return new double[] {p.rate(), c.serverSeconds() * 1e6 / p.deliveries(), p.p50(), p.p99()};
    }
}
