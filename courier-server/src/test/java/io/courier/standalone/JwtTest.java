package io.courier.standalone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JwtTest {
    private static final byte[] SECRET = "s3cret".getBytes(UTF_8);
    private static final Clock NOW = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

    @Test
    void acceptsASignedTokenAndReadsItsClaims() throws Exception {
        String token = Jwt.sign(
                Map.of("sub", "driver-9", "channels", List.of("parcels.*"), "publish", List.of("parcels.east")),
                SECRET);
        Jwt.Claims claims = Jwt.verify(token, SECRET, NOW);
        assertThat(claims.subject()).isEqualTo("driver-9");
        assertThat(claims.channels()).containsExactly("parcels.*");
        assertThat(claims.publish()).containsExactly("parcels.east");
        assertThat(Jwt.verify(Jwt.sign(Map.of("sub", "x"), SECRET), SECRET, NOW).channels())
                .isEmpty();
    }

    @Test
    void refusesWhatCannotBeTrustedWithAReason() {
        String good = Jwt.sign(Map.of("sub", "a"), SECRET);
        String[] parts = good.split("\\.");
        String none = b64("{\"alg\":\"none\"}") + "." + parts[1] + ".";
        String forged = parts[0] + "." + b64("{\"sub\":\"admin\"}") + "." + parts[2];
        Map<String, String> cases = Map.ofEntries(
                Map.entry("", "no token"),
                Map.entry("abc", "malformed token"),
                Map.entry("a.b.c.d", "malformed token"),
                Map.entry(none, "unsupported token algorithm"),
                Map.entry(forged, "bad token signature"),
                Map.entry(Jwt.sign(Map.of("sub", "a"), "other".getBytes(UTF_8)), "bad token signature"),
                Map.entry(Jwt.sign(Map.of("sub", "a", "exp", 1_800_000_000L - 31), SECRET), "token expired"),
                Map.entry(Jwt.sign(Map.of("sub", "a", "nbf", 1_800_000_000L + 31), SECRET), "not valid yet"),
                Map.entry(Jwt.sign(Map.of("channels", List.of("x")), SECRET), "no sub"),
                Map.entry(Jwt.sign(Map.of("sub", "a", "channels", "x"), SECRET), "must be an array"),
                Map.entry(parts[0] + "." + parts[1] + ".%%%", "malformed token signature"));
        cases.forEach((token, reason) -> assertThatThrownBy(() -> Jwt.verify(token, SECRET, NOW))
                .as(token)
                .isInstanceOf(Jwt.InvalidToken.class)
                .hasMessageContaining(reason));
    }

    @Test
    void allowsThirtySecondsOfClockSkew() throws Exception {
        long now = 1_800_000_000L;
        assertThat(Jwt.verify(Jwt.sign(Map.of("sub", "a", "exp", now - 29), SECRET), SECRET, NOW)
                        .subject())
                .isEqualTo("a");
        assertThat(Jwt.verify(Jwt.sign(Map.of("sub", "a", "nbf", now + 29), SECRET), SECRET, NOW)
                        .subject())
                .isEqualTo("a");
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(UTF_8));
    }
}
