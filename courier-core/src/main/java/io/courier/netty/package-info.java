/**
 * Netty glue: the HTTP server, routing of engine paths, CORS, error responses, the WebSocket upgrade and frame
 * handling, and static resources such as the client bundle.
 *
 * <p>The only package that knows URLs, headers and HTTP status codes. It validates each request in the reference
 * server's order (transport, origin, sid, method, protocol version; see the Engine.IO protocol's "Handshake" section)
 * and hands valid ones to {@link io.courier.engine.EngineIoSession}.
 */
package io.courier.netty;
