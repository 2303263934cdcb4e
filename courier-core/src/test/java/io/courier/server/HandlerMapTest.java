package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.EventHandler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link DefaultSocket#withHandler}: the copy-on-write handler map a socket replaces whole on {@code on()}. */
class HandlerMapTest {
    private final EventHandler a = (args, ack) -> {};
    private final EventHandler b = (args, ack) -> {};
    private final EventHandler c = (args, ack) -> {};

    @Test
    void handlersAreAddedInOrderPerEventAndTheMapsAreImmutable() {
        Map<String, List<EventHandler>> m = DefaultSocket.withHandler(null, "x", a);
        assertThat(m).containsOnlyKeys("x");
        Map<String, List<EventHandler>> m2 = DefaultSocket.withHandler(m, "y", b);
        Map<String, List<EventHandler>> m3 = DefaultSocket.withHandler(m2, "x", c);
        assertThat(m).containsOnlyKeys("x"); // earlier maps are not changed
        assertThat(m2.get("x")).containsExactly(a);
        assertThat(m3.get("x")).containsExactly(a, c);
        assertThat(m3.get("y")).containsExactly(b);
        assertThat(DefaultSocket.withHandler(m3, "x", a).get("x")).containsExactly(a, c, a);
        assertThatThrownBy(() -> m3.put("z", List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m3.get("x").add(b)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(DefaultSocket.withHandler(Map.of(), "x", a)).isEqualTo(Map.of("x", List.of(a)));
        assertThat(DefaultSocket.withHandler(m3, "z", b))
                .isEqualTo(Map.of("x", List.of(a, c), "y", List.of(b), "z", List.of(b)));
    }
}
