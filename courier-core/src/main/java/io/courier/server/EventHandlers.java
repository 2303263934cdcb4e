package io.courier.server;

import io.courier.EventHandler;
import java.util.Arrays;
import java.util.Objects;

/**
 * A socket's event handlers as one immutable array, {@code {event, handlers, event, handlers, ...}}, that {@code on}
 * and {@code off} replace whole (copy-on-write: handlers are added once per socket and read on every event). An
 * event's handlers are the {@link EventHandler} itself when it has one, else an {@code EventHandler[]} in the order
 * they were added. A socket with two events costs 32 bytes here; a {@code Map.of} with a list per event cost 128 (its
 * object, its table and a list per event), on every connection of a server whose connection handler calls {@code
 * socket.on}. Events are found by a scan that compares the names' cached hashes first, as fast as a hash table for
 * the few events a socket has.
 */
final class EventHandlers {
    private EventHandlers() {}

    /** {@code table} (null: none) with {@code handler} added last to {@code event}'s handlers, as a new table. */
    static Object[] with(Object[] table, String event, EventHandler handler) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(handler, "handler");
        int i = indexOf(table, event);
        if (i < 0) {
            int n = table == null ? 0 : table.length;
            Object[] t = table == null ? new Object[2] : Arrays.copyOf(table, n + 2);
            t[n] = event;
            t[n + 1] = handler;
            return t;
        }
        Object[] t = table.clone();
        if (table[i + 1] instanceof EventHandler[] several) {
            EventHandler[] more = Arrays.copyOf(several, several.length + 1);
            more[several.length] = handler;
            t[i + 1] = more;
        } else {
            t[i + 1] = new EventHandler[] {(EventHandler) table[i + 1], handler};
        }
        return t;
    }

    /** {@code table} without {@code event}'s handlers, as a new table (null when none is left). */
    static Object[] without(Object[] table, String event) {
        int i = indexOf(table, event);
        if (i < 0) {
            return table;
        }
        if (table.length == 2) {
            return null;
        }
        Object[] t = new Object[table.length - 2];
        System.arraycopy(table, 0, t, 0, i);
        System.arraycopy(table, i + 2, t, i, table.length - i - 2);
        return t;
    }

    /** {@code event}'s handlers: an {@link EventHandler}, an {@code EventHandler[]} (several, in order) or null. */
    static Object find(Object[] table, String event) {
        int i = indexOf(table, event);
        return i < 0 ? null : table[i + 1];
    }

    private static int indexOf(Object[] table, String event) {
        if (table == null) {
            return -1;
        }
        int hash = event.hashCode();
        for (int i = 0; i < table.length; i += 2) {
            String name = (String) table[i];
            if (name.hashCode() == hash && name.equals(event)) {
                return i;
            }
        }
        return -1;
    }
}
