package io.courier.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;

/**
 * How Socket.IO packets are written inside Engine.IO messages (socket.io's {@code parser} option), for both
 * directions: the server decodes its clients' packets and encodes everything it sends with the same parser, so every
 * client of a server must use the matching client-side parser.
 *
 * <ul>
 *   <li>{@link #DEFAULT}: socket.io-parser's text format ({@code 2["event",1]}, binary as placeholders plus
 *       attachment messages), what every Socket.IO client speaks without configuration;
 *   <li>{@link #MSGPACK}: {@code socket.io-msgpack-parser}'s format, one binary message per packet holding the
 *       notepack.io msgpack of {@code {type, data, id, nsp}}, binary embedded as msgpack bin; the client passes
 *       {@code parser: require("socket.io-msgpack-parser")}.
 * </ul>
 *
 * <p>An implementation is stateless and thread-safe; the decoders it makes may keep per-connection state (binary
 * reassembly). Decoders reject anything the protocol does not allow with {@link SocketIoProtocolException}, within the
 * limits of the mapper's {@link com.fasterxml.jackson.core.StreamReadConstraints} and the attachment bound; the
 * message size is bounded before them by maxHttpBufferSize.
 */
public interface Parser {
    /** socket.io-parser's text format (the default of every Socket.IO server and client). */
    Parser DEFAULT = new TextParser();

    /** {@code socket.io-msgpack-parser}'s format (notepack.io msgpack, one binary message per packet). */
    Parser MSGPACK = new MsgPackParser();

    /**
     * The parser's name in configuration ({@code default}, {@code msgpack}).
     *
     * @return the name
     */
    String name();

    /**
     * The encoder of every packet the server sends. Thread-safe.
     *
     * @param mapper the runtime's mapper (its write constraints bound the nesting)
     * @return the encoder
     */
    PacketEncoder encoder(ObjectMapper mapper);

    /**
     * A decoder for one connection's packets.
     *
     * @param mapper the runtime's mapper (its read constraints bound the input)
     * @param maxAttachments the most binary attachments one packet may announce, where the format has attachments
     * @return the decoder, used from one thread at a time
     */
    PacketDecoder decoder(ObjectMapper mapper, int maxAttachments);

    /**
     * The parser with that name, for configuration files and flags.
     *
     * @param name {@code default} (also {@code json}) or {@code msgpack}, in any case
     * @return the parser
     * @throws IllegalArgumentException for any other name
     */
    static Parser named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "default", "json" -> DEFAULT;
            case "msgpack" -> MSGPACK;
            default ->
                throw new IllegalArgumentException("unknown parser '" + name + "' (expected: default or msgpack)");
        };
    }
}
