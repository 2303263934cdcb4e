package io.courier.recovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Set;

/**
 * One offset-tagged event as the log keeps it.
 *
 * @param offset the offset string appended to the event's arguments
 * @param namespace the namespace it was emitted in
 * @param rooms target rooms; empty means every socket of the namespace
 * @param except excluded rooms
 * @param data the event array {@code [name, ...args, offset]}; never modified
 * @param timestamp epoch milliseconds of the emit
 */
public record LoggedPacket(
        String offset, String namespace, Set<String> rooms, Set<String> except, ArrayNode data, long timestamp) {

    /** Whether a socket that was in {@code socketRooms} (its own id included) would have received this packet. */
    public boolean reaches(Set<String> socketRooms) {
        for (String r : except) {
            if (socketRooms.contains(r)) {
                return false;
            }
        }
        if (rooms.isEmpty()) {
            return true;
        }
        for (String r : rooms) {
            if (socketRooms.contains(r)) {
                return true;
            }
        }
        return false;
    }
}
