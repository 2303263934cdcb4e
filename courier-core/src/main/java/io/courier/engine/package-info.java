/**
 * Engine.IO v4 sessions: handshake parameters, the heartbeat, the polling and WebSocket transports and the upgrade
 * between them.
 *
 * <p>Knows nothing about namespaces or events: message data leaves this package only through
 * {@link io.courier.engine.EngineIoSession.Listener}. Knows nothing about URLs, CORS or HTTP status codes either; the
 * {@code io.courier.netty} package maps requests onto sessions. Each session is owned by one event loop and its state is
 * only touched there; calls from other threads hop to it. See the
 * <a href="https://github.com/socketio/engine.io-protocol">Engine.IO protocol</a>.
 */
package io.courier.engine;
