package io.courier.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fsyncs a directory so that a segment file's creation or deletion survives a power loss. Some filesystems (and
 * platforms) refuse to open or force a directory; that is logged once per process and otherwise ignored.
 */
final class DirectorySync {
    private static final Logger log = LoggerFactory.getLogger(DirectorySync.class);
    private static final AtomicBoolean warned = new AtomicBoolean();

    private DirectorySync() {}

    static void sync(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (warned.compareAndSet(false, true)) {
                log.warn(
                        "Cannot fsync directory {} ({}); segment creation and deletion may not survive a power loss",
                        dir,
                        e.toString());
            }
        }
    }
}
