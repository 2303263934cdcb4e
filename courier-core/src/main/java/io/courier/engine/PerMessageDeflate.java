package io.courier.engine;

/**
 * permessage-deflate (RFC 7692) settings: socket.io's {@code perMessageDeflate} option. A WebSocket whose client
 * offers the extension compresses each message of at least {@code threshold} bytes (unless it was emitted with
 * {@code compress(false)}), and inflates what the client compressed, never past {@code maxHttpBufferSize}.
 *
 * <p>Each connection that negotiated it keeps a zlib deflater and inflater (context takeover: each message is
 * compressed against the ones before it), about 300 KB of native memory while in use; connections whose client did
 * not offer the extension cost nothing more. {@code serverNoContextTakeover} trades ratio for that memory: the
 * deflater then lives for one message only (likewise the inflater with {@code clientNoContextTakeover}).
 *
 * @param threshold messages smaller than this many bytes are sent uncompressed (socket.io's default 1024)
 * @param level zlib compression level, 1 (fastest) to 9 (smallest); default 6, zlib's and Node's default
 * @param serverNoContextTakeover compress each message on its own (the response carries
 *     {@code server_no_context_takeover}); a client may ask for it regardless; default false
 * @param clientNoContextTakeover ask the client to compress each message on its own ({@code
 *     client_no_context_takeover}); default false
 * @param clientMaxWindowBits the largest LZ77 window (8-15) the client may use, sent as {@code client_max_window_bits}
 *     when the client offers that parameter; default 15. (The server's own window is always 15 bits: the JDK's zlib
 *     takes no smaller one, so an offer that demands {@code server_max_window_bits} below 15 is declined, and the
 *     connection is made without compression.)
 */
public record PerMessageDeflate(
        int threshold,
        int level,
        boolean serverNoContextTakeover,
        boolean clientNoContextTakeover,
        int clientMaxWindowBits) {

    public PerMessageDeflate {
        if (threshold < 0) {
            throw new IllegalArgumentException("threshold : " + threshold + " (expected: >= 0)");
        }
        if (level < 1 || level > 9) {
            throw new IllegalArgumentException("level : " + level + " (expected: 1-9)");
        }
        if (clientMaxWindowBits < 8 || clientMaxWindowBits > 15) {
            throw new IllegalArgumentException("clientMaxWindowBits : " + clientMaxWindowBits + " (expected: 8-15)");
        }
    }

    /** socket.io's {@code perMessageDeflate: true}: threshold 1024, level 6, context takeover both ways. */
    public static PerMessageDeflate defaults() {
        return new PerMessageDeflate(1024, 6, false, false, 15);
    }
}
