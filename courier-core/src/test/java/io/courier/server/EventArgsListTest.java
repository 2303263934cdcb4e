package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.courier.EventArgs;
import io.courier.json.JsonCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An EVENT's arguments: everything after its name, in order, as an immutable list EventArgs keeps as it is. */
class EventArgsListTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void theArgumentsAfterTheNameInOrder() {
        for (int n = 0; n <= 5; n++) {
            ArrayNode array = NODES.arrayNode().add("event");
            List<JsonNode> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                JsonNode v =
                        i % 2 == 0 ? NODES.numberNode(i) : NODES.objectNode().put("k", i);
                array.add(v);
                expected.add(v);
            }
            array.addNull(); // a null argument is a NullNode, kept like any other
            expected.add(array.get(array.size() - 1));
            List<JsonNode> args = DefaultSocket.eventArgs(array);
            assertThat(args).as("%d arguments", n + 1).containsExactlyElementsOf(expected);
            assertThatThrownBy(() -> args.add(NODES.nullNode())).isInstanceOf(UnsupportedOperationException.class);
            EventArgs eventArgs = new EventArgs(args, JsonCodec.mapper());
            assertThat(eventArgs.size()).isEqualTo(n + 1);
        }
        assertThat(DefaultSocket.eventArgs(NODES.arrayNode().add("only"))).isEmpty();
    }
}
