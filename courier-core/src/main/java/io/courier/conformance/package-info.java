/**
 * What the official Engine.IO v4 and Socket.IO v5 test suites ({@code socketio/engine.io-protocol} and
 * {@code socketio/socket.io-protocol}, folder {@code test-suite}) expect of a server besides Socket.IO itself: the bare
 * Engine.IO echo server of the engine.io suite, next to a {@link io.courier.Courier} on one port.
 */
package io.courier.conformance;
