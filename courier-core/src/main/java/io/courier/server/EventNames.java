package io.courier.server;

import java.util.Set;

/** Event names that belong to Socket.IO itself and may not be emitted or received as application events. */
final class EventNames {
    static final Set<String> RESERVED =
            Set.of("connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");

    private EventNames() {}

    static void checkEmittable(String event) {
        if (event == null) {
            throw new IllegalArgumentException("event : null (expected: a name)");
        }
        if (RESERVED.contains(event)) {
            throw new IllegalArgumentException("\"" + event + "\" is a reserved event name");
        }
    }
}
