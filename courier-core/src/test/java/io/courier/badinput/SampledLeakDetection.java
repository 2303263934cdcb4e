package io.courier.badinput;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detection at the sampled ({@code SIMPLE}) level until closed, then back to the tests' paranoid level.
 *
 * <p>For floods of tens of thousands of frames only: paranoid detection records a stack trace at every touch of every
 * buffer, ~100-250 µs per small frame on a loaded 2-core machine against ~9 µs without, and a flood arrives in one
 * read, so the session's event loop is busy with it for seconds. The heartbeat then times out a client whose pong
 * waits behind its own flood, or a ping comes after the hang guard: the test measures the leak detector, not the
 * server. Sampled detection still reports a leak.
 */
final class SampledLeakDetection implements AutoCloseable {
    private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();

    SampledLeakDetection() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    @Override
    public void close() {
        ResourceLeakDetector.setLevel(before);
    }
}
