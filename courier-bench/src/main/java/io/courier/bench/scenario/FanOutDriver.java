package io.courier.bench.scenario;

import io.courier.bench.client.Latencies;
import io.courier.bench.client.LoadGen;
import io.courier.bench.client.Payloads;
import io.courier.bench.client.WsConnection;
import io.courier.bench.client.WsListener;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fan-out machinery shared by the fan-out, durable, polling and cluster scenarios: a publisher sends numbered,
 * timestamped messages ({@code broadcast}, or {@code publish <channel>} for durable queues), every receiver counts each
 * delivery; a message is complete when all receivers have it. Bursts keep a closed window of messages not yet
 * complete; the steady phase publishes on a fixed schedule and timestamps each message with its scheduled send time
 * (no coordinated omission). All state lives on the load generator's event loop.
 */
public final class FanOutDriver implements WsListener {
    private static final byte[] BROADCAST = Payloads.quoted("broadcast");
    private static final int MAX_MESSAGES = 1 << 16;
    /** Not an ack id the server hands out in a run (its ids count up from 0 per namespace): the ack is dropped. */
    private static final int UNKNOWN_ACK_ID = 999_999_999;
    /**
     * Cumulative acks are held until this many deliveries are handled: half the default in-flight window (256), as
     * Courier's Java client holds them once the hub named its window (README, "Java client").
     */
    private static final int ACK_BATCH = 128;
    /** ... or for at most this long after the first one held (the Java client's default {@code ackDelay}). */
    private static final long ACK_DELAY_MILLIS = 100;

    private final LoadGen loadGen;
    private final int receivers;
    /** Non-null: publish durably to this channel (event {@code publish}) instead of emitting {@code broadcast}. */
    private String durableChannel;
    /** How receivers acknowledge what they are sent: {@link #durable}. */
    private Acks acks = Acks.NONE;

    private final Payloads out = new Payloads();
    private final Payloads ackOut = new Payloads();
    private final int[] remaining = new int[MAX_MESSAGES];
    private final Latencies latencies = new Latencies();
    private WsConnection publisher;
    private int nextSeq;
    private int toSend;
    /** Steady-phase messages scheduled but not yet published. */
    private int scheduled;

    private int window;
    private int inFlight;
    private int incomplete;
    private long deliveries;
    /** Reads (socket reads that ended, as Netty reports them) of the receivers in this phase. */
    private long reads;

    private long firstSend;
    private long lastDelivery;
    private long duplicates;
    private CompletableFuture<Void> phase = CompletableFuture.completedFuture(null);

    private int subscribing;
    private CompletableFuture<Void> subscribed = CompletableFuture.completedFuture(null);

    public FanOutDriver(LoadGen loadGen, int receivers) {
        this.loadGen = loadGen;
        this.receivers = receivers;
    }

    /**
     * How receivers acknowledge. A durable delivery asks for an ack, and plain broadcasts do not; with plain broadcasts
     * a receiver sends the ack frames of {@link #EACH} or {@link #CUMULATIVE} all the same, for an id the server does
     * not wait for (it reads and drops them), which measures what reading the acks costs apart from the durable
     * delivery's own work.
     */
    public enum Acks {
        /** No ack frames but those a delivery asks for, each on its own (plain broadcasts ask for none). */
        NONE,
        /** One empty ack per delivery, as a stock client's ack callback sends it. */
        EACH,
        /**
         * As Courier's Java client acknowledges: one cumulative ack ({@code {"cumulative":true}} on the newest, {@link
         * WsConnection#owedAck}) per {@link FanOutDriver#ACK_BATCH} deliveries, or once {@link
         * FanOutDriver#ACK_DELAY_MILLIS} went by since the first one held.
         */
        CUMULATIVE
    }

    /**
     * From now on, publish durably to {@code channel} ({@code null}: plain {@code broadcast}), the receivers
     * acknowledging as {@code acks} says ({@link Acks#NONE} only with plain broadcasts: a durable delivery is
     * acknowledged).
     */
    public void durable(String channel, Acks acks) throws Exception {
        if (channel != null && acks == Acks.NONE) {
            throw new IllegalArgumentException("durable deliveries are acknowledged: EACH or CUMULATIVE");
        }
        loadGen.call(() -> {
            durableChannel = channel;
            this.acks = acks;
            return null;
        });
    }

    /** Has every connection subscribe its durable identity to {@code channel}; completes when all acked. */
    public CompletableFuture<Void> subscribe(java.util.List<WsConnection> connections, String channel)
            throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loadGen.call(() -> {
            subscribed = done;
            subscribing = connections.size();
            byte[] msg = null;
            for (WsConnection c : connections) {
                String text = "42" + c.nextAckId() + "[\"subscribe\",\"" + channel + "\"]";
                msg = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                c.sendText(msg, msg.length, true);
            }
            if (subscribing == 0) {
                done.complete(null);
            }
            return null;
        });
        return done;
    }

    @Override
    public void onAck(WsConnection c, int ackId, ByteBuf buf, int from, int to) {
        if (c == publisher || subscribing == 0) {
            return;
        }
        if (buf.getByte(from + 1) != 't') {
            subscribed.completeExceptionally(new IllegalStateException(
                    "subscribe refused: " + buf.toString(from, to - from, java.nio.charset.StandardCharsets.UTF_8)));
        } else if (--subscribing == 0) {
            subscribed.complete(null);
        }
    }

    /** The connection that publishes (its own copies of broadcasts are not counted). */
    public void publisher(WsConnection c) {
        this.publisher = c;
    }

    @Override
    public void onConnected(WsConnection c) {}

    @Override
    public void onEvent(WsConnection c, ByteBuf buf, int from, int to, int ackId) {
        if (ackId >= 0) {
            if (acks == Acks.CUMULATIVE) {
                c.owedAck = ackId;
                hold(c);
            } else {
                c.sendText(ackOut.emptyAck(ackId).bytes(), ackOut.length(), false);
            }
        }
        if (c == publisher || !Payloads.isEvent(buf, from, to, BROADCAST)) {
            return;
        }
        if (durableChannel == null) { // a plain broadcast: the ack frames all the same, if any
            switch (acks) {
                case EACH -> c.sendText(ackOut.emptyAck(UNKNOWN_ACK_ID).bytes(), ackOut.length(), false);
                case CUMULATIVE -> hold(c);
                case NONE -> {}
            }
        }
        delivered(Payloads.field(buf, from, to, 's'), Payloads.field(buf, from, to, 't'));
    }

    /** One more delivery whose ack {@code c} holds: sent with the others at {@link #ACK_BATCH}, or by the timer. */
    private void hold(WsConnection c) {
        if (++c.held >= ACK_BATCH) {
            sendHeld(c, false); // goes out at the end of the read
        } else if (c.heldTimer == null) {
            c.heldTimer = c.channel()
                    .eventLoop()
                    .schedule(
                            () -> {
                                c.heldTimer = null;
                                sendHeld(c, true);
                            },
                            ACK_DELAY_MILLIS,
                            TimeUnit.MILLISECONDS);
        }
    }

    private void sendHeld(WsConnection c, boolean flush) {
        if (c.heldTimer != null) {
            c.heldTimer.cancel(false);
            c.heldTimer = null;
        }
        if (c.held == 0 || !c.connected()) {
            return;
        }
        c.held = 0;
        int id = c.owedAck >= 0 ? c.owedAck : UNKNOWN_ACK_ID;
        c.owedAck = -1;
        c.sendText(ackOut.cumulativeAck(id).bytes(), ackOut.length(), flush);
    }

    @Override
    public void onReadComplete(WsConnection c) {
        if (c != publisher) {
            reads++;
        }
    }

    /** One delivery of message {@code seq} sent (or scheduled) at {@code t}: also called by polling receivers. */
    public void delivered(long seq, long t) {
        long now = System.nanoTime();
        if (seq < 0 || seq >= nextSeq) {
            return;
        }
        int s = (int) seq;
        if (remaining[s] == 0) {
            duplicates++;
            return;
        }
        deliveries++;
        lastDelivery = now;
        latencies.add(now - t);
        if (--remaining[s] == 0) {
            incomplete--;
            if (toSend > 0 || window > 0) {
                inFlight--;
                fill();
            }
            if (incomplete == 0 && toSend == 0 && scheduled == 0) {
                phase.complete(null);
            }
        }
    }

    private void publish(long t) {
        int seq = nextSeq++;
        remaining[seq] = receivers;
        incomplete++;
        if (durableChannel == null) {
            out.event(-1, "broadcast", "", t, seq);
        } else {
            out.event(publisher.nextAckId(), "publish", "\"" + durableChannel + "\",", t, seq);
        }
        publisher.sendText(out.bytes(), out.length(), true);
    }

    private void fill() {
        while (toSend > 0 && inFlight < window) {
            toSend--;
            inFlight++;
            publish(System.nanoTime());
        }
    }

    /** Results of one phase. */
    public record Phase(
            int messages,
            long deliveries,
            double seconds,
            double p50,
            double p99,
            double p999,
            long duplicates,
            long missing,
            long reads) {
        public double rate() {
            return deliveries / seconds;
        }

        /** Deliveries per read of a receiver's socket: how many frames a server's write carried, or a few writes. */
        public double deliveriesPerRead() {
            return reads == 0 ? 0 : deliveries / (double) reads;
        }
    }

    /** A burst of {@code messages}, at most {@code windowSize} of them not yet delivered to every receiver. */
    public Phase burst(int messages, int windowSize, long timeoutSeconds) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loadGen.call(() -> {
            reset(messages, done);
            window = windowSize;
            toSend = messages;
            fill();
            return null;
        });
        return await(done, messages, timeoutSeconds, false);
    }

    /** {@code rate} messages per second for {@code seconds}, each timestamped with its scheduled send time. */
    public Phase steady(int rate, double seconds, long timeoutSeconds) throws Exception {
        return steady(rate, seconds, timeoutSeconds, false);
    }

    /**
     * The steady phase; with {@code allowLoss}, deliveries still missing at the timeout are reported as
     * {@link Phase#missing()} instead of failing the run.
     */
    public Phase steady(int rate, double seconds, long timeoutSeconds, boolean allowLoss) throws Exception {
        int messages = (int) Math.round(rate * seconds);
        CompletableFuture<Void> done = new CompletableFuture<>();
        loadGen.call(() -> {
            reset(messages, done);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            firstSend = start;
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            scheduled = messages;
            for (int i = 0; i < messages; i++) {
                long at = start + i * period;
                loadGen.loop()
                        .schedule(
                                () -> {
                                    scheduled--;
                                    publish(at);
                                },
                                at - System.nanoTime(),
                                TimeUnit.NANOSECONDS);
            }
            return null;
        });
        return await(done, messages, timeoutSeconds, allowLoss);
    }

    /** Adds the last phase's latencies to {@code pooled} (on the load generator's loop, as every phase's state). */
    public void addLatenciesTo(Latencies pooled) throws Exception {
        loadGen.call(() -> {
            pooled.addAll(latencies);
            return null;
        });
    }

    private void reset(int messages, CompletableFuture<Void> done) {
        if (nextSeq + messages > MAX_MESSAGES) {
            throw new IllegalStateException("more than " + MAX_MESSAGES + " messages in one run");
        }
        phase = done;
        latencies.clear();
        deliveries = 0;
        reads = 0;
        duplicates = 0;
        inFlight = 0;
        window = 0;
        toSend = 0;
        scheduled = 0;
        firstSend = System.nanoTime();
        if (messages == 0) {
            done.complete(null);
        }
    }

    private Phase await(CompletableFuture<Void> done, int messages, long timeoutSeconds, boolean allowLoss)
            throws Exception {
        try {
            done.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            if (allowLoss) {
                return loadGen.call(() -> {
                    double[] p = latencies.percentilesMs(50, 99, 99.9);
                    long missing = (long) messages * receivers - deliveries;
                    for (int i = 0; i < nextSeq; i++) {
                        remaining[i] = 0; // late deliveries of this phase count as duplicates, not in the next
                    }
                    incomplete = 0;
                    return new Phase(
                            messages,
                            deliveries,
                            (lastDelivery - firstSend) / 1e9,
                            p[0],
                            p[1],
                            p[2],
                            duplicates,
                            missing,
                            reads);
                });
            }
            long[] got = loadGen.call(() -> new long[] {deliveries, incomplete});
            throw new IllegalStateException("fan-out timed out after " + timeoutSeconds + " s: " + got[0] + " of "
                    + (long) messages * receivers + " deliveries, " + got[1] + " messages incomplete");
        }
        return loadGen.call(() -> {
            double[] p = latencies.percentilesMs(50, 99, 99.9);
            return new Phase(
                    messages, deliveries, (lastDelivery - firstSend) / 1e9, p[0], p[1], p[2], duplicates, 0, reads);
        });
    }
}
