package io.courier.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ChannelFactory} for tests: channels that can fail writes, block writes, or "lose power" (after
 * {@link #crash()} every operation fails, and {@link #durableSizes()} tells how many bytes of each file had been
 * fsynced).
 */
final class FaultyChannels implements ChannelFactory {
    private final Object lock = new Object();
    private final AtomicInteger failingWrites = new AtomicInteger();
    private volatile String failureMessage = "No space left on device";
    private volatile boolean partialWrites;
    private volatile CountDownLatch gate;
    private final CountDownLatch blocked = new CountDownLatch(1);
    private boolean crashed; // guarded by lock
    private final Map<Path, Long> durableSizes = new ConcurrentHashMap<>();

    @Override
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        return new Channel(path, FileChannel.open(path, options));
    }

    /**
     * The next {@code count} writes throw {@code IOException(message)}; with {@code partial}, a failing positional
     * write first writes half of its bytes (as a disk that fills up mid-write does).
     */
    void failWrites(int count, String message, boolean partial) {
        failureMessage = message;
        partialWrites = partial;
        failingWrites.set(count);
    }

    /** Writes block until {@link #unblockWrites()}. */
    void blockWrites() {
        gate = new CountDownLatch(1);
    }

    void unblockWrites() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Counts down when a write is blocked by {@link #blockWrites()}. */
    CountDownLatch writeBlocked() {
        return blocked;
    }

    /** From now on every operation fails, as if the machine lost power. */
    void crash() {
        synchronized (lock) {
            crashed = true;
        }
    }

    /** Per file, how many bytes the last successful fsync covered. */
    Map<Path, Long> durableSizes() {
        return Map.copyOf(durableSizes);
    }

    private boolean beforeWrite() throws IOException {
        checkCrashed();
        CountDownLatch g = gate;
        if (g != null) {
            blocked.countDown();
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return failingWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    private IOException failure() {
        return new IOException(failureMessage);
    }

    private void checkCrashed() throws IOException {
        synchronized (lock) {
            if (crashed) {
                throw new IOException("simulated power loss");
            }
        }
    }

    private final class Channel extends FileChannel {
        private final Path path;
        private final FileChannel delegate;

        Channel(Path path, FileChannel delegate) {
            this.path = path;
            this.delegate = delegate;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (beforeWrite()) {
                throw failure();
            }
            return delegate.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (beforeWrite()) {
                throw failure();
            }
            return delegate.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            checkCrashed();
            delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            synchronized (lock) {
                if (crashed) {
                    throw new IOException("simulated power loss");
                }
                long size = delegate.size();
                delegate.force(metaData);
                durableSizes.put(path, size);
            }
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            if (beforeWrite()) {
                throw failure();
            }
            return delegate.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (beforeWrite()) {
                if (partialWrites && src.remaining() > 1) {
                    ByteBuffer half = src.slice(src.position(), src.remaining() / 2);
                    delegate.write(half, position);
                }
                throw failure();
            }
            return delegate.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
