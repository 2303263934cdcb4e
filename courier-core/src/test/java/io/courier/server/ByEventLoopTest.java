package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Items grouped by event loop, with headers: each loop's task sees an item only after the header it came under. */
class ByEventLoopTest {
    @Test
    void eachLoopGetsEachHeaderOnceBeforeItsOwnItemsUnderIt() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
        try {
            EventLoop a = group.next();
            EventLoop b = group.next();
            assertThat(a).isNotSameAs(b);
            ByEventLoop<String> byLoop = new ByEventLoop<>(1); // grows as it fills
            byLoop.add(a, "m1", "a1");
            byLoop.add(b, "m1", "b1");
            byLoop.add(a, "m1", "a2");
            byLoop.add(a, "m2", "a3");
            byLoop.add(b, "m3", "b2");
            byLoop.add(b, "m3", "b3");
            assertThat(byLoop.size()).as("items and headers").isEqualTo(10);

            List<String> onA = new ArrayList<>();
            List<String> onB = new ArrayList<>();
            CountDownLatch done = new CountDownLatch(2);
            byLoop.forEachOnLoopTogether(() -> new Consumer<>() {
                private Object header;

                @Override
                public void accept(Object item) {
                    String s = (String) item;
                    if (s.startsWith("m")) {
                        header = s;
                        return;
                    }
                    List<String> seen = a.inEventLoop() ? onA : b.inEventLoop() ? onB : null;
                    seen.add(header + ":" + s);
                    if (s.equals("a3") || s.equals("b3")) {
                        done.countDown();
                    }
                }
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(onA).containsExactly("m1:a1", "m1:a2", "m2:a3");
            assertThat(onB).containsExactly("m1:b1", "m3:b2", "m3:b3");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
