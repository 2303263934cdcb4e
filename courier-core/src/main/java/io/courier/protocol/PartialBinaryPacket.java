package io.courier.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/** A received binary packet header (already validated) and the attachments received for it so far. */
final class PartialBinaryPacket {

    private final PacketHeader header;
    private final JsonNode data;
    private final PlaceholderSlots slots;
    private final List<byte[]> attachments;

    PartialBinaryPacket(PacketHeader header, JsonNode data, PlaceholderSlots slots) {
        this.header = header;
        this.data = data;
        this.slots = slots;
        this.attachments = new ArrayList<>(header.attachments());
    }

    /** How many attachments are still expected. */
    int missing() {
        return header.attachments() - attachments.size();
    }

    /** Records one attachment; the caller checks {@link #missing()} first. */
    void add(byte[] attachment) {
        attachments.add(attachment);
    }

    /** Builds the packet once nothing is missing: placeholders become binary nodes, 5/6 become EVENT/ACK. */
    SocketIoPacket assemble(JsonNodeFactory nodes) {
        slots.fill(attachments, nodes);
        return header.toPacket(data);
    }
}
