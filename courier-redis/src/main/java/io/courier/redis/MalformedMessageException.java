package io.courier.redis;

/**
 * A message on the adapter's channels that is not what the socket.io Redis adapter protocol allows (bad msgpack or
 * JSON, a missing field, a wrong type). It is dropped; the adapter logs it and carries on.
 */
final class MalformedMessageException extends RuntimeException {
    MalformedMessageException(String message) {
        super(message);
    }

    MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
