package io.courier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmallStringMapTest {
    @Test
    void behavesLikeTheMapItCopies() {
        Map<String, String> source = new LinkedHashMap<>();
        source.put("host", "example.com");
        source.put("upgrade", "websocket");
        source.put("connection", "Upgrade");
        SmallStringMap copy = SmallStringMap.copyOf(source);
        assertThat(copy).isEqualTo(source).hasSameHashCodeAs(source);
        assertThat(new HashMap<>(source)).isEqualTo(copy);
        assertThat(copy.get("upgrade")).isEqualTo("websocket");
        assertThat(copy.get("origin")).isNull();
        assertThat(copy.get(42)).isNull();
        assertThat(copy.containsKey("host")).isTrue();
        assertThat(copy.containsKey("Host")).isFalse();
        assertThat(copy.keySet()).containsExactly("host", "upgrade", "connection");
        assertThat(copy.values()).containsExactly("example.com", "websocket", "Upgrade");
        assertThat(copy).hasSize(3).isNotEmpty();
        assertThat(copy.toString()).isEqualTo(source.toString());
        assertThat(SmallStringMap.copyOf(copy)).isSameAs(copy);
    }

    @Test
    void entriesByIndexInTheOrderAddedAndABuilderArrayKeptWhenExactlyFull() {
        SmallStringMap map = new SmallStringMap.Builder(2)
                .addNew("transport", "websocket")
                .merge("EIO", "4")
                .build();
        assertThat(map.key(0)).isEqualTo("transport");
        assertThat(map.value(0)).isEqualTo("websocket");
        assertThat(map.key(1)).isEqualTo("EIO");
        assertThat(map.value(1)).isEqualTo("4");
        SmallStringMap grown =
                new SmallStringMap.Builder(1).addNew("a", "1").addNew("b", "2").build();
        assertThat(grown).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void cannotBeModified() {
        SmallStringMap map = SmallStringMap.copyOf(Map.of("a", "1"));
        assertThatThrownBy(() -> map.put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(map::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.entrySet().iterator().next().setValue("x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(map).containsExactly(Map.entry("a", "1"));
    }

    @Test
    void theBuilderJoinsRepeatedKeysLikeHttpHeaders() {
        SmallStringMap.Builder b = new SmallStringMap.Builder();
        for (int i = 0; i < 20; i++) {
            b.merge("h" + i, "v" + i);
        }
        b.merge("accept", "text/html").merge("h3", "again").merge("accept", "*/*");
        SmallStringMap map = b.build();
        assertThat(map).hasSize(21);
        assertThat(map.get("h3")).isEqualTo("v3, again");
        assertThat(map.get("accept")).isEqualTo("text/html, */*");
        assertThat(map.get("h19")).isEqualTo("v19");
        assertThat(new SmallStringMap.Builder().build()).isEmpty();
    }

    @Test
    void refusesNullsAsMapCopyOfDoes() {
        Map<String, String> withNull = new HashMap<>();
        withNull.put("a", null);
        assertThatThrownBy(() -> SmallStringMap.copyOf(withNull)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SmallStringMap.Builder().merge(null, "v"))
                .isInstanceOf(NullPointerException.class);
        assertThat(List.of(SmallStringMap.copyOf(Map.of())))
                .allSatisfy(m -> assertThat(m).isEmpty());
    }
}
