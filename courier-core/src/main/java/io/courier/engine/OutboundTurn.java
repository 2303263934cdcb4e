package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the WebSocket connections of one event loop write: the frames, encoded once for all of them, and in a turn of
 * the loop with tasks queued, the connections to flush once those tasks have run.
 *
 * <ul>
 *   <li><b>Frames</b>: the first write of a packet encodes its whole WebSocket frame (header and payload) into one
 *       direct buffer; every connection of the loop that gets the same packet writes a duplicate of it. A broadcast to
 *       the loop's 1,000 connections is one allocation and one copy instead of one per recipient (Netty's frame
 *       encoder allocates and copies per frame). The frames of the {@value #FRAMES} most recent packets are kept, by
 *       identity; a kept frame is released when a newer packet takes its place, at the end of a turn that deferred
 *       flushes, or when the loop's thread ends (the connections' duplicates keep what they still need). That needs
 *       no task per turn: a task of ours queued on the loop would read, to whoever asks Netty's {@code
 *       pendingTasks()} (an inline listener's check), as a packet that might be overtaken. Only a frame over
 *       {@value #MAX_KEPT_BYTES} bytes is dropped at the end of its turn (Netty's tail task), so that a big frame is
 *       not kept for long.
 *   <li><b>Flushes</b>: while other tasks are queued on the loop (a burst of broadcasts), a connection's writes are
 *       flushed once, at the end of the turn (Netty's tail task, after the loop ran its I/O and its queued tasks), so
 *       what the queued tasks write to one connection leaves in one {@code writev} instead of one system call per
 *       frame. Otherwise a write is flushed at once, in the same pass over the pipeline (a lone broadcast gains
 *       nothing by waiting, and would touch every connection twice). Anything written and flushed on the channel in
 *       the meantime (a close frame) flushes earlier writes with it, in order. A task that writes several packets
 *       to each connection asks for the end of the turn itself ({@link #together}).
 * </ul>
 *
 * <p>Only the loop's own thread touches its instance. Loops that are not a Netty {@link SingleThreadEventLoop} (or
 * that stopped taking tasks) get no instance, and their connections flush each write at once.
 */
final class OutboundTurn implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(OutboundTurn.class);
    private static final int FRAMES = 4;
    private static final int MAX_KEPT_BYTES = 16 * 1024;

    private static final FastThreadLocal<OutboundTurn> CURRENT = new FastThreadLocal<>() {
        @Override
        protected void onRemoval(OutboundTurn turn) {
            // the loop's thread ends; get() stored null on a loop that never wrote. Nothing may be thrown from here:
            // Netty would never complete the loop's termination future
            if (turn != null) {
                try {
                    turn.clearFrames();
                } catch (RuntimeException e) {
                    log.debug("releasing the kept WebSocket frames of an ending loop failed", e);
                }
            }
        }
    };

    private final SingleThreadEventLoop loop;
    private final EngineIoPacket[] packets = new EngineIoPacket[FRAMES];
    private final ByteBuf[] frames = new ByteBuf[FRAMES];
    private int nextSlot;
    private final ArrayList<WebSocketTransport> toFlush = new ArrayList<>();
    private boolean scheduled;
    private int together; // > 0 while a task runs whose writes are flushed at the end of the turn ({@link #together})

    private OutboundTurn(SingleThreadEventLoop loop) {
        this.loop = loop;
    }

    /** The turn of {@code loop}, which must be the calling thread's; null if it has none (flush at once). */
    static OutboundTurn of(EventLoop loop) {
        OutboundTurn t = CURRENT.get();
        if (t != null && t.loop == loop) {
            return t;
        }
        if (!(loop instanceof SingleThreadEventLoop single) || !loop.inEventLoop() || loop.isShuttingDown()) {
            return null;
        }
        t = new OutboundTurn(single);
        CURRENT.set(t);
        return t;
    }

    /** The frame of {@code p}, encoded once while it is kept; the caller writes it (a retained duplicate). */
    ByteBuf frame(EngineIoPacket p, ByteBufAllocator alloc) {
        for (int i = 0; i < FRAMES; i++) {
            if (packets[i] == p) {
                return frames[i].retainedDuplicate();
            }
        }
        ByteBuf f = encode(p, alloc);
        if (f.readableBytes() > MAX_KEPT_BYTES && !schedule()) {
            return f; // a big frame is kept for this turn only, and there is no end of turn: the write owns it
        }
        int slot = nextSlot;
        nextSlot = (slot + 1) % FRAMES;
        if (frames[slot] != null) {
            frames[slot].release();
        }
        packets[slot] = p;
        frames[slot] = f;
        return f.retainedDuplicate();
    }

    /**
     * Whether other tasks are queued on the loop (a burst of broadcasts): they may write to the same connections, so
     * a write now is flushed at the end of the turn; else it is flushed at once.
     */
    boolean moreTasksQueued() {
        // Netty counts its tail tasks as pending too, among them this turn's own once it is scheduled
        return together > 0 || loop.pendingTasks() > (scheduled ? 1 : 0);
    }

    /**
     * Runs {@code writes} on {@code loop}, the calling thread's, as if other tasks were queued behind it: a task that
     * writes several packets to each of many connections (a durable fan-out of several messages) flushes each
     * connection once, at the end of the turn, and not each packet at once when it happens to be the loop's last task.
     */
    static void together(EventLoop loop, Runnable writes) {
        OutboundTurn t = of(loop);
        if (t == null) {
            writes.run();
            return;
        }
        t.together++;
        try {
            writes.run();
        } finally {
            t.together--;
        }
    }

    /**
     * Flushes {@code t} at the end of the turn (once, however often it is asked); false if the loop takes no more
     * tail tasks, and the caller flushes now.
     */
    boolean flushLater(WebSocketTransport t) {
        if (!schedule()) {
            return false;
        }
        toFlush.add(t);
        return true;
    }

    private boolean schedule() {
        if (scheduled) {
            return true;
        }
        try {
            loop.executeAfterEventLoopIteration(this);
        } catch (RejectedExecutionException stopping) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /** The end of a turn that deferred flushes: flushes the connections written to and drops the frames. */
    @Override
    public void run() {
        ArrayList<WebSocketTransport> list = toFlush;
        for (int i = 0; i < list.size(); i++) { // a flush may lead to more writes (a close): flushed here too
            try {
                list.get(i).flushNow();
            } catch (RuntimeException e) {
                log.warn("flushing a WebSocket connection failed", e);
            }
        }
        list.clear(); // keeps its array: at most one entry per connection of the loop
        clearFrames();
        scheduled = false;
    }

    private void clearFrames() {
        for (int i = 0; i < FRAMES; i++) {
            if (frames[i] != null) {
                frames[i].release();
                frames[i] = null;
                packets[i] = null;
            }
        }
        nextSlot = 0;
    }

    /** One unmasked, final WebSocket frame of {@code p} (text or binary), as Netty's encoder writes it. */
    static ByteBuf encode(EngineIoPacket p, ByteBufAllocator alloc) {
        return encode(p.isBinary(), p.isBinary() ? p.binary() : p.textFrameBytes(), alloc);
    }

    /** One unmasked, final WebSocket frame (binary or text) of {@code data}. */
    static ByteBuf encode(boolean binary, byte[] data, ByteBufAllocator alloc) {
        return frameHeader(binary, data.length, alloc).writeBytes(data);
    }

    /**
     * A buffer of exactly one unmasked, final WebSocket frame (binary or text) of {@code len} payload bytes, holding
     * its header: the caller writes the payload.
     */
    static ByteBuf frameHeader(boolean binary, int len, ByteBufAllocator alloc) {
        int header = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
        ByteBuf b = alloc.directBuffer(header + len, header + len);
        b.writeByte(binary ? 0x82 : 0x81);
        if (len < 126) {
            b.writeByte(len);
        } else if (len <= 0xFFFF) {
            b.writeByte(126).writeShort(len);
        } else {
            b.writeByte(127).writeLong(len);
        }
        return b;
    }
}
