/**
 * The Socket.IO runtime behind the public API: one {@link io.courier.server.ClientConnection} per Engine.IO session
 * multiplexing namespace sockets, the namespaces, handler lanes and acknowledgements.
 *
 * <p>Packets are decoded on the session's event loop; everything user-visible runs on each socket's
 * {@link io.courier.server.HandlerLane}. See the <a href="https://github.com/socketio/socket.io-protocol">Socket.IO
 * protocol</a>.
 */
package io.courier.server;
