/**
 * A Socket.IO v5 client (Engine.IO v4 over HTTP long-polling and WebSocket) for Java 17+, on Netty and Jackson.
 *
 * <p>Start with {@link io.courier.client.CourierClient#builder(String)}; {@link io.courier.client.ClientSocket} is one
 * namespace; {@link io.courier.client.CourierClient#subscribe} and {@link io.courier.client.CourierClient#publish}
 * speak the durable-queue protocol of a Courier hub. Network and protocol work run on one Netty event loop thread,
 * listeners on a separate callback executor (see {@link io.courier.client.CourierClient}).
 */
package io.courier.client;
