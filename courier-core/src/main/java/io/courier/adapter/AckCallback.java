package io.courier.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Receives one recipient's acknowledgement arguments; called on that recipient's handler lane. */
@FunctionalInterface
public interface AckCallback {
    void onAck(List<JsonNode> args);
}
