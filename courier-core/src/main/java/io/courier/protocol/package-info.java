/**
 * The Socket.IO packet layer (protocol v5): the wire formats of Socket.IO packets that travel inside Engine.IO
 * messages, chosen through the {@link io.courier.protocol.Parser} SPI: the text form ({@link
 * io.courier.protocol.Parser#DEFAULT}) with the reassembly of binary packets from their text header plus binary
 * attachments, and {@code socket.io-msgpack-parser}'s form ({@link io.courier.protocol.Parser#MSGPACK}, one binary
 * message per packet, encoded with {@link io.courier.msgpack.MsgPack}).
 *
 * <p>This package owns the wire format only: {@link io.courier.protocol.SocketIoPacketEncoder} turns a {@link
 * io.courier.protocol.SocketIoPacket} into packet text plus attachments, and {@link
 * io.courier.protocol.SocketIoPacketDecoder} does the reverse, rejecting malformed or hostile input with {@link
 * io.courier.protocol.SocketIoProtocolException}. It knows nothing about Engine.IO framing (the leading {@code 4}
 * message type is not part of the text handled here), sessions, namespaces as objects, or event dispatch.
 *
 * <p>It depends only on the JDK, Jackson, Netty (for the exception base type) and {@code io.courier.msgpack}.
 *
 * @see <a href="https://github.com/socketio/socket.io-protocol">Socket.IO protocol specification</a>
 */
package io.courier.protocol;
