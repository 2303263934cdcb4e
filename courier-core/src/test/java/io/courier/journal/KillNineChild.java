package io.courier.journal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * The child process of {@link KillNineTest}: appends deterministic records ({@link Payloads#forPosition}) forever
 * and prints each position once its future completed (durable), until it is killed.
 */
public final class KillNineChild {
    static final int MAX_PAYLOAD = 300;

    static JournalConfig config() {
        return JournalConfig.defaults()
                .withSegmentBytes(256 << 10)
                .withMaxRecordBytes(MAX_PAYLOAD)
                .withMaxBatchDelay(Duration.ofMillis(2));
    }

    private KillNineChild() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, false);
        SegmentLog log = SegmentLog.open(Path.of(args[0]), config());
        Semaphore inFlight = new Semaphore(2000);
        long next = log.lastPosition() + 1;
        out.println("START " + next);
        out.flush();
        for (; ; ) {
            inFlight.acquire();
            long expected = next++;
            log.append(Payloads.forPosition(expected, MAX_PAYLOAD)).whenComplete((position, error) -> {
                inFlight.release();
                if (error != null || position != expected) {
                    out.println("ERROR " + expected + " " + position + " " + error);
                } else {
                    out.println(position);
                }
                out.flush();
            });
        }
    }
}
