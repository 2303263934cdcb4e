package io.courier.interop.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A size-limited tmpfs for disk-full tests; the test is skipped (with the reason) where it cannot be mounted. */
public final class Tmpfs implements AutoCloseable {
    private final Path mountPoint;

    private Tmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code size} (e.g. {@code "4m"}) at {@code dir}, or aborts the test if it cannot. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Path self = Path.of("/proc/self");
        if (!Files.isDirectory(self)) {
            Assumptions.abort("needs Linux (mounts a tmpfs); skipped");
        }
        if (((Number) Files.getAttribute(self, "unix:uid")).intValue() != 0) {
            Assumptions.abort("needs root to mount a size-limited tmpfs; skipped");
        }
        Files.createDirectories(dir);
        String failure = run("mount", "-t", "tmpfs", "-o", "size=" + size, "courier-disk-full", dir.toString());
        if (failure != null) {
            Assumptions.abort("cannot mount a tmpfs at " + dir + " (" + failure + "); skipped");
        }
        return new Tmpfs(dir);
    }

    public Path path() {
        return mountPoint;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (run("umount", mountPoint.toString()) != null) {
            run("umount", "-l", mountPoint.toString());
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out: " + String.join(" ", command);
        }
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
    }
}
