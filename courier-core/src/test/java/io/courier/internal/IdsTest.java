package io.courier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void idsAreCanonicalUrlSafeBase64OfTheirBits() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            String id = i % 2 == 0 ? Ids.newId() : Ids.newSocketId();
            int bytes = i % 2 == 0 ? 16 : 15;
            assertThat(id).hasSize(i % 2 == 0 ? Ids.LENGTH : 20).matches("[A-Za-z0-9_-]+");
            byte[] decoded = Base64.getUrlDecoder().decode(id);
            assertThat(decoded).hasSize(bytes);
            // what the JDK's encoder makes of the same bytes: no stray bits in the last character
            assertThat(Base64.getUrlEncoder().withoutPadding().encodeToString(decoded))
                    .isEqualTo(id);
            assertThat(seen.add(id)).as("unique").isTrue();
        }
    }
}
