package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepeatedStringsTest {
    private final RepeatedStrings strings = new RepeatedStrings();

    @Test
    void anEqualStringIsSwappedForTheOneSeenBefore() {
        String first = new String("127.0.0.1:3000");
        String second = new String("127.0.0.1:3000");
        assertThat(strings.share(first)).isSameAs(first);
        assertThat(strings.share(second)).isSameAs(first);
        assertThat(strings.share("other")).isEqualTo("other");
    }

    @Test
    void longStringsAreNotKept() {
        String longOne = "x".repeat(RepeatedStrings.MAX_LENGTH + 1);
        String again = new String(longOne);
        strings.share(longOne);
        assertThat(strings.share(again)).isSameAs(again);
    }

    @Test
    void theTableStaysBoundedWhateverArrives() {
        for (int i = 0; i < 100_000; i++) {
            assertThat(strings.share("key-" + i)).isEqualTo("key-" + i);
        }
        // a string evicted by others is simply kept again
        String host = new String("hub.example");
        assertThat(strings.share(host)).isSameAs(host);
        assertThat(strings.share(new String("hub.example"))).isSameAs(host);
    }
}
