package io.courier;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * Finds the application's idempotency key of a received event, for deduplication ({@link
 * CourierConfig.Builder#deduplication}): a second event of the same socket with the same name and key is a retry of
 * the first, and does not run the handlers again. Runs on the socket's handler lane just before the handlers; returns
 * null when the event carries no key. An exception is logged and counts as no key.
 */
@FunctionalInterface
public interface IdempotencyKey {
    /** The default: the string property {@code idempotencyKey} of the first argument when that is a JSON object. */
    IdempotencyKey DEFAULT = property("idempotencyKey");

    /** No application keys: only a repeated ack id makes a duplicate. */
    IdempotencyKey NONE = (event, args) -> null;

    /** The key of {@code event}, or null if it has none. */
    String of(String event, EventArgs args) throws Exception;

    /** The non-empty string property {@code name} of the first argument when that is a JSON object; else no key. */
    static IdempotencyKey property(String name) {
        Objects.requireNonNull(name, "name");
        return (event, args) -> {
            JsonNode first = args.get(0);
            JsonNode key = first.isObject() ? first.get(name) : null;
            return key != null && key.isTextual() && !key.textValue().isEmpty() ? key.textValue() : null;
        };
    }
}
