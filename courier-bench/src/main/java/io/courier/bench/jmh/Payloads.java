package io.courier.bench.jmh;

/** The packets the codec benchmarks work on: what the echo scenario sends (a ~100-byte JSON object) and answers. */
final class Payloads {
    /** The argument of an echo: an object of about 100 bytes, as the load generator sends it. */
    static final String ARG =
            "{\"seq\":123456,\"ts\":1733231234567890,\"payload\":\"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop\"}";

    /** A Socket.IO EVENT with ack id 42: {@code 242["echo",{...}]} (without the Engine.IO {@code 4}). */
    static final String EVENT_TEXT = "242[\"echo\"," + ARG + "]";

    /** Its ACK: {@code 342[{...}]}. */
    static final String ACK_TEXT = "342[" + ARG + "]";

    /** A BINARY_EVENT header with one attachment: {@code 451-["upload",{"_placeholder":true,"num":0}]}. */
    static final String BINARY_EVENT_TEXT = "51-[\"upload\",{\"_placeholder\":true,\"num\":0}]";

    /** The attachment: 1 KiB. */
    static final byte[] ATTACHMENT = new byte[1024];

    private Payloads() {}
}
