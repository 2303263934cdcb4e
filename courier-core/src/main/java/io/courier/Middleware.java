package io.courier;

/**
 * A namespace connection middleware (Socket.IO's {@code io.use}). Runs on the new socket's handler lane, before the
 * socket joins the namespace; call {@link Next#accept()} to go on or {@link Next#reject} to refuse, possibly later from
 * another thread. Throwing {@link ConnectionRefusedException} refuses with its message and data; any other exception
 * is logged and refused with "server error".
 */
@FunctionalInterface
public interface Middleware {
    void handle(Socket socket, Next next) throws Exception;

    /** The continuation of a middleware; the first call wins. */
    interface Next {
        void accept();

        void reject(String message, Object data);

        default void reject(String message) {
            reject(message, null);
        }
    }
}
