package io.courier.server;

import io.courier.EventHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The handlers of the server-side events other nodes send to a namespace (or to a parent's children). Thread-safe. */
final class ServerSideHandlers {
    private final Map<String, List<EventHandler>> byEvent = new ConcurrentHashMap<>();

    /** @throws IllegalArgumentException for a reserved event name */
    void add(String event, EventHandler handler) {
        EventNames.checkEmittable(event);
        byEvent.computeIfAbsent(event, e -> new CopyOnWriteArrayList<>()).add(handler);
    }

    List<EventHandler> of(String event) {
        return byEvent.getOrDefault(event, List.of());
    }
}
