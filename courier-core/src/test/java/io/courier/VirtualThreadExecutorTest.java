package io.courier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VirtualThreadExecutorTest {
    @Test
    void runsEachTaskOnAVirtualThreadNamedCourierHandler() throws Exception {
        VirtualThreadExecutor executor = new VirtualThreadExecutor();
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        executor.execute(() -> ran.complete(Thread.currentThread()));
        Thread t = ran.get(10, TimeUnit.SECONDS);
        assertThat(t.isVirtual()).isTrue();
        assertThat(t.getName()).isEqualTo("courier-handler");
    }

    @Test
    void refusesTasksOnceShutDown() {
        VirtualThreadExecutor executor = new VirtualThreadExecutor();
        executor.shutdown();
        assertThatThrownBy(() -> executor.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
    }
}
