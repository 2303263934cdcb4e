package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.Recycler;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyDefaults} in a JVM of its own (this one may have initialized Netty's recycler long before): what an
 * application that starts with {@code Courier} gets, and that its own setting wins.
 */
class NettyDefaultsTest {

    @Test
    void courierTurnsNettysRecyclerOffUnlessTheApplicationSetItsCapacity() throws Exception {
        assertThat(childSays()).isEqualTo("recycler off");
        assertThat(childSays("-D" + NettyDefaults.RECYCLER_CAPACITY + "=4096")).isEqualTo("recycler on");
    }

    private static String childSays(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process child = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child done").isTrue();
        return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    /** Loads {@code Courier}, then asks a recycler of its own whether an object given back comes out again. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Class.forName("io.courier.Courier"); // initialized, as by an application's first Courier.create
            Thread loop = new FastThreadLocalThread(
                    () -> { // a thread like an event loop's: Netty pools on those
                        Recycler<Pooled> recycler = new Recycler<>() {
                            @Override
                            protected Pooled newObject(Handle<Pooled> handle) {
                                return new Pooled(handle);
                            }
                        };
                        Pooled first = recycler.get();
                        first.handle.recycle(first);
                        System.out.println(recycler.get() == first ? "recycler on" : "recycler off");
                    });
            loop.start();
            loop.join();
        }
    }

    private record Pooled(Recycler.Handle<Pooled> handle) {}
}
