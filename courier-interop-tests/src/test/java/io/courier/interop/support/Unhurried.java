package io.courier.interop.support;

import io.courier.CourierConfig;
import java.time.Duration;

/**
 * Socket.IO's default deadlines (a ping every 25 s, 20 s for its pong, 45 s for the CONNECT) for scenario tests whose
 * subject is not the heartbeat. The conformance contract's 300 ms / 200 ms heartbeat and 1 s connect deadline are
 * timing thresholds that a loaded 2-core machine misses now and then: a pong that waits behind the client's own
 * 137 KB POST, a Node process descheduled for a moment. The official suites, which test the heartbeat, keep them.
 */
public final class Unhurried {
    private Unhurried() {}

    public static void timings(CourierConfig.Builder c) {
        c.pingInterval(Duration.ofSeconds(25))
                .pingTimeout(Duration.ofSeconds(20))
                .connectTimeout(Duration.ofSeconds(45));
    }
}
