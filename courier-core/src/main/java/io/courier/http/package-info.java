/**
 * Plain HTTP next to Socket.IO on the server's port: {@link io.courier.http.HttpRoute}s (an application's API, health
 * checks, metrics) and {@link io.courier.http.StaticResource}s, mounted with {@code Courier.route} and
 * {@code Courier.resource}.
 *
 * <p>Value types and one callback interface, with no Netty in their signatures: the {@code io.courier.netty} package
 * serves them.
 */
package io.courier.http;
