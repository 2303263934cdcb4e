/**
 * Engine.IO v4 wire format: packet types, the packet value and the HTTP long-polling payload framing.
 *
 * <p>Pure functions over strings and byte arrays; nothing here knows about sessions, transports or HTTP. See the
 * <a href="https://github.com/socketio/engine.io-protocol">Engine.IO protocol</a>, sections "Packet encoding" and
 * "HTTP long-polling".
 */
package io.courier.engine.codec;
