package io.courier.bench.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The scenarios' messages, written into a reusable byte array without formatting, and read back from a receive
 * buffer in place: an object {@code {"t":<nanos>,"s":<seq>,"p":"xx..."}} of about 100 bytes with the send (or the
 * scheduled send) time {@code t} on the load generator's clock.
 */
public final class Payloads {
    private static final byte[] PAD = ("\"p\":\"" + "x".repeat(44) + "\"}").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] T = "{\"t\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] S = ",\"s\":".getBytes(StandardCharsets.US_ASCII);

    private final byte[] buf = new byte[512];
    private int length;

    public byte[] bytes() {
        return buf;
    }

    public int length() {
        return length;
    }

    /** {@code 42<ackId>["<event>",<more>{"t":..,"s":..,"p":".."}]}; ackId below 0 for none; {@code more} may be "". */
    public Payloads event(int ackId, String event, String more, long t, long seq) {
        length = 0;
        ascii("42");
        if (ackId >= 0) {
            number(ackId);
        }
        ascii("[\"");
        ascii(event);
        ascii("\",");
        ascii(more);
        raw(T);
        number(t);
        raw(S);
        number(seq);
        buf[length++] = ',';
        raw(PAD);
        buf[length++] = ']';
        return this;
    }

    /** {@code 43<ackId>[]}: the empty ack a durable delivery asks for. */
    public Payloads emptyAck(int ackId) {
        length = 0;
        ascii("43");
        number(ackId);
        ascii("[]");
        return this;
    }

    /** {@code 43<ackId>[{"cumulative":true}]}: acknowledges a durable delivery and the earlier ones of its channel. */
    public Payloads cumulativeAck(int ackId) {
        length = 0;
        ascii("43");
        number(ackId);
        ascii("[{\"cumulative\":true}]");
        return this;
    }

    private void ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            buf[length++] = (byte) s.charAt(i);
        }
    }

    private void raw(byte[] b) {
        System.arraycopy(b, 0, buf, length, b.length);
        length += b.length;
    }

    private void number(long v) {
        if (v < 0) {
            buf[length++] = '-';
            v = -v;
        }
        int start = length;
        do {
            buf[length++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (int i = start, j = length - 1; i < j; i++, j--) {
            byte x = buf[i];
            buf[i] = buf[j];
            buf[j] = x;
        }
    }

    /** The number after {@code "<name>":} in {@code [from, to)}, or {@link Long#MIN_VALUE} if there is none. */
    public static long field(ByteBuf b, int from, int to, char name) {
        for (int i = from; i + 4 < to; i++) {
            if (b.getByte(i) == '"' && b.getByte(i + 1) == name && b.getByte(i + 2) == '"' && b.getByte(i + 3) == ':') {
                int p = i + 4;
                boolean negative = b.getByte(p) == '-';
                if (negative) {
                    p++;
                }
                long v = 0;
                byte c;
                while (p < to && (c = b.getByte(p)) >= '0' && c <= '9') {
                    v = v * 10 + (c - '0');
                    p++;
                }
                return negative ? -v : v;
            }
        }
        return Long.MIN_VALUE;
    }

    /** Whether the JSON array at {@code from} starts with the string {@code "<event>"}. */
    public static boolean isEvent(ByteBuf b, int from, int to, byte[] quotedEvent) {
        if (to - from < quotedEvent.length + 1 || b.getByte(from) != '[') {
            return false;
        }
        for (int i = 0; i < quotedEvent.length; i++) {
            if (b.getByte(from + 1 + i) != quotedEvent[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code "name"} as bytes, for {@link #isEvent}. */
    public static byte[] quoted(String event) {
        return ("\"" + event + "\"").getBytes(StandardCharsets.US_ASCII);
    }
}
