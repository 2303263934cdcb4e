package io.courier.http;

import java.util.concurrent.CompletableFuture;

/**
 * A plain HTTP endpoint next to Socket.IO (an application's API, health checks, metrics), mounted with
 * {@code Courier.route}. The body is read whole, up to the route's limit (413 beyond), before
 * {@link #handle} is called.
 *
 * <pre>{@code
 * io.route("/healthz", 0, request -> CompletableFuture.completedFuture(HttpResponse.text(200, "ok\n")));
 * }</pre>
 *
 * <p>{@link #handle} runs on the connection's event loop: it must not block; return a future and do slow work
 * elsewhere (e.g. {@code CompletableFuture.supplyAsync(work, executor)}). The response is written when the future
 * completes; a failed future, a null response or an exception from {@code handle} answers 500 and logs one line.
 */
@FunctionalInterface
public interface HttpRoute {
    CompletableFuture<HttpResponse> handle(HttpRequest request);
}
