package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The hub applies Courier's Netty defaults as it loads, before a cluster hub's Redis client starts Netty (which would
 * fix Netty's recycler settings first): checked in a JVM of its own, where nothing loaded Courier before.
 */
class HubNettyDefaultsTest {

    @Test
    void loadingTheHubTurnsNettysRecyclerOffBeforeAnythingElseRuns() throws Exception {
        Process child = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Child.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child done").isTrue();
        String said = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(said).isEqualTo("before: null, after: 0");
    }

    /** Prints the recycler's property before and after the hub's class initializes. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            String before = System.getProperty("io.netty.recycler.maxCapacityPerThread");
            Class.forName(Main.class.getName(), true, Child.class.getClassLoader());
            System.out.println(
                    "before: " + before + ", after: " + System.getProperty("io.netty.recycler.maxCapacityPerThread"));
        }
    }
}
