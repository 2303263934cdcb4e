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

    private static final long IN_AN_HOUR = 1_800_000_000L + 3600;

    @Test
    void acceptsASignedTokenAndReadsItsClaims() throws Exception {
        String token = Jwt.sign(
                Map.of(
                        "sub",
                        "driver-9",
                        "channels",
                        List.of("parcels.*"),
                        "publish",
                        List.of("parcels.east"),
                        "exp",
                        IN_AN_HOUR),
                SECRET);
        Jwt.Claims claims = Jwt.verify(token, SECRET, NOW);
        assertThat(claims.subject()).isEqualTo("driver-9");
        assertThat(claims.channels()).containsExactly("parcels.*");
        assertThat(claims.publish()).containsExactly("parcels.east");
        assertThat(claims.expires()).isEqualTo(IN_AN_HOUR);
        assertThat(Jwt.verify(Jwt.sign(Map.of("sub", "x", "exp", IN_AN_HOUR), SECRET), SECRET, NOW)
                        .channels())
                .isEmpty();
    }

    @Test
    void aTokenWithoutExpIsRefusedUnlessConfiguredOtherwise() throws Exception {
        String forever = Jwt.sign(Map.of("sub", "a"), SECRET);
        assertThatThrownBy(() -> Jwt.verify(forever, SECRET, NOW))
                .isInstanceOf(Jwt.InvalidToken.class)
                .hasMessageContaining("token has no exp");
        Jwt.Claims claims = Jwt.verify(forever, SECRET, NOW, false);
        assertThat(claims.subject()).isEqualTo("a");
        assertThat(claims.expires()).isNull();
        assertThatThrownBy(() -> Jwt.verify(Jwt.sign(Map.of("sub", "a", "exp", "soon"), SECRET), SECRET, NOW, false))
                .isInstanceOf(Jwt.InvalidToken.class)
                .hasMessageContaining("exp must be seconds");
    }

    @Test
    void onlyTheCanonicalBase64urlSpellingOfTheSignatureIsAccepted() throws Exception {
        String good = Jwt.sign(Map.of("sub", "a", "exp", IN_AN_HOUR), SECRET);
        assertThat(Jwt.verify(good, SECRET, NOW).subject()).isEqualTo("a");
        int dot = good.lastIndexOf('.');
        String head = good.substring(0, dot + 1);
        String sig = good.substring(dot + 1);
        byte[] raw = Base64.getUrlDecoder().decode(sig);
        // 32 bytes in 43 characters: the last character carries 2 bits that must be zero
        char last = sig.charAt(sig.length() - 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        String trailingBits = sig.substring(0, sig.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | 1);
        assertThat(Base64.getUrlDecoder().decode(trailingBits)).isEqualTo(raw); // the JDK decoder takes it
        List<String> variants = List.of(
                head + sig + "=", // padded
                head + Base64.getEncoder().encodeToString(raw), // standard alphabet, padded
                head + trailingBits);
        for (String v : variants) {
            assertThatThrownBy(() -> Jwt.verify(v, SECRET, NOW))
                    .as(v)
                    .isInstanceOf(Jwt.InvalidToken.class)
                    .hasMessageContaining("malformed token signature");
        }
    }

    @Test
    void refusesWhatCannotBeTrustedWithAReason() {
        String good = Jwt.sign(Map.of("sub", "a", "exp", IN_AN_HOUR), SECRET);
        String[] parts = good.split("\\.");
        String none = b64("{\"alg\":\"none\"}") + "." + parts[1] + ".";
        String forged = parts[0] + "." + b64("{\"sub\":\"admin\"}") + "." + parts[2];
        Map<String, String> cases = Map.ofEntries(
                Map.entry("", "no token"),
                Map.entry("abc", "malformed token"),
                Map.entry("a.b.c.d", "malformed token"),
                Map.entry(none, "unsupported token algorithm"),
                Map.entry(forged, "bad token signature"),
                Map.entry(
                        Jwt.sign(Map.of("sub", "a", "exp", IN_AN_HOUR), "other".getBytes(UTF_8)),
                        "bad token signature"),
                Map.entry(Jwt.sign(Map.of("sub", "a", "exp", 1_800_000_000L - 31), SECRET), "token expired"),
                Map.entry(
                        Jwt.sign(Map.of("sub", "a", "nbf", 1_800_000_000L + 31, "exp", IN_AN_HOUR), SECRET),
                        "not valid yet"),
                Map.entry(Jwt.sign(Map.of("channels", List.of("x"), "exp", IN_AN_HOUR), SECRET), "no sub"),
                Map.entry(Jwt.sign(Map.of("sub", "a", "channels", "x", "exp", IN_AN_HOUR), SECRET), "must be an array"),
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
        assertThat(Jwt.verify(Jwt.sign(Map.of("sub", "a", "nbf", now + 29, "exp", IN_AN_HOUR), SECRET), SECRET, NOW)
                        .subject())
                .isEqualTo("a");
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(UTF_8));
    }
}
