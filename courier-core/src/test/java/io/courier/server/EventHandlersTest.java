package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.courier.EventHandler;
import org.junit.jupiter.api.Test;

/** {@link EventHandlers}: the copy-on-write table of a socket's handlers that {@code on} and {@code off} replace. */
class EventHandlersTest {
    private final EventHandler a = (args, ack) -> {};
    private final EventHandler b = (args, ack) -> {};
    private final EventHandler c = (args, ack) -> {};

    @Test
    void handlersAreAddedInOrderPerEventAndEarlierTablesStayAsTheyWere() {
        Object[] t1 = EventHandlers.with(null, "x", a);
        Object[] t2 = EventHandlers.with(t1, "y", b);
        Object[] t3 = EventHandlers.with(t2, "x", c);
        Object[] t4 = EventHandlers.with(t3, "x", a);

        assertThat(EventHandlers.find(t1, "x")).isSameAs(a);
        assertThat(EventHandlers.find(t1, "y")).isNull();
        assertThat(EventHandlers.find(t2, "x")).isSameAs(a);
        assertThat(EventHandlers.find(t2, "y")).isSameAs(b);
        assertThat((EventHandler[]) EventHandlers.find(t3, "x")).containsExactly(a, c);
        assertThat((EventHandler[]) EventHandlers.find(t4, "x")).containsExactly(a, c, a);
        assertThat((EventHandler[]) EventHandlers.find(t3, "x")).containsExactly(a, c); // t4 left t3's array alone
        assertThat(EventHandlers.find(t4, "y")).isSameAs(b);
        assertThat(EventHandlers.find(null, "x")).isNull();
        assertThat(t2).hasSize(4); // one slot for the name, one for the handler, per event
    }

    @Test
    void namesWithTheSameHashAreToldApart() {
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        Object[] t = EventHandlers.with(EventHandlers.with(null, "Aa", a), "BB", b);

        assertThat(EventHandlers.find(t, "Aa")).isSameAs(a);
        assertThat(EventHandlers.find(t, "BB")).isSameAs(b);
        assertThat(EventHandlers.find(t, "Ab")).isNull();
    }

    @Test
    void withoutRemovesOneEventAndLeavesTheOthersInOrder() {
        Object[] t = EventHandlers.with(EventHandlers.with(EventHandlers.with(null, "x", a), "y", b), "z", c);
        t = EventHandlers.with(t, "y", a);

        Object[] noY = EventHandlers.without(t, "y");
        assertThat(noY).containsExactly("x", a, "z", c);
        assertThat((EventHandler[]) EventHandlers.find(t, "y")).containsExactly(b, a); // unchanged
        assertThat(EventHandlers.without(noY, "y")).isSameAs(noY);
        assertThat(EventHandlers.without(EventHandlers.without(noY, "x"), "z")).isNull();
        assertThat(EventHandlers.without(null, "x")).isNull();
    }

    @Test
    void aNullNameOrHandlerIsRefused() {
        assertThatThrownBy(() -> EventHandlers.with(null, null, a)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EventHandlers.with(null, "x", null)).isInstanceOf(NullPointerException.class);
    }
}
