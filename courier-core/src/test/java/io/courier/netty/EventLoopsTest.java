package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code ioThreads} 0 means one event loop per available processor, as documented (README, {@code ioThreads}). */
class EventLoopsTest {
    @Test
    void zeroMeansOneLoopPerProcessor() {
        CourierHttpServer http = new CourierHttpServer("127.0.0.1", 0, 0).start();
        try {
            assertThat(http.runningEventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
        } finally {
            http.close();
        }
    }

    @Test
    void anExplicitCountIsKept() {
        CourierHttpServer http = new CourierHttpServer("127.0.0.1", 0, 3).start();
        try {
            assertThat(http.runningEventLoops()).isEqualTo(3);
        } finally {
            http.close();
        }
    }
}
