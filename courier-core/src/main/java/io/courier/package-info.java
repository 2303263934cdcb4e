/**
 * Courier's public API: a Socket.IO v5 server for the JVM.
 *
 * <pre>{@code
 * Courier io = Courier.create(config -> config.port(3000));
 * io.onConnection(socket -> socket.on("chat", (args, ack) -> socket.broadcast().emit("chat", args.get(0))));
 * io.start();
 * }</pre>
 *
 * <p>Threading: user handlers (connection handlers, middlewares, event listeners, ack callbacks and completions) run on
 * the handler executor, one at a time per socket, in arrival order; by default each socket's handlers run on virtual
 * threads, so a handler may block without delaying other sockets. Every emit method is safe from any thread.
 */
package io.courier;
