package io.courier.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 JSON Web Tokens (RFC 7519, {@code alg: HS256} only) for hub clients. The claims the hub reads:
 *
 * <ul>
 *   <li>{@code sub}: the client id (the durable identity); required;
 *   <li>{@code channels}: glob patterns of the channels the client may subscribe to;
 *   <li>{@code publish}: glob patterns of the channels it may publish to;
 *   <li>{@code exp} / {@code nbf}: expiry / not-before, in seconds since the epoch (30 s of clock skew allowed);
 *       {@code exp} is required unless the hub is configured otherwise ({@code --no-jwt-require-exp}).
 * </ul>
 *
 * Any other {@code alg} (including {@code none}) is refused; the signature must be in canonical base64url (no
 * padding, no {@code +} or {@code /}, zero trailing bits: one token has one spelling) and is compared in constant time.
 */
final class Jwt {
    private static final ObjectMapper JSON = HubJson.MAPPER;
    /** Clock skew allowed on {@code exp} and {@code nbf}. */
    static final long LEEWAY_SECONDS = 30;

    private static final int MAX_TOKEN_CHARS = 8192;

    /**
     * The verified claims of a token.
     *
     * @param expires {@code exp} in seconds since the epoch, or null for a token that does not expire
     */
    record Claims(String subject, List<String> channels, List<String> publish, Long expires) {}

    /** A token that cannot be trusted; the message says why (safe to show to the client). */
    static final class InvalidToken extends Exception {
        InvalidToken(String message) {
            super(message);
        }
    }

    private Jwt() {}

    /** {@link #verify(String, byte[], Clock, boolean)} requiring {@code exp}. */
    static Claims verify(String token, byte[] secret, Clock clock) throws InvalidToken {
        return verify(token, secret, clock, true);
    }

    /**
     * Verifies {@code token}: its signature with {@code secret}, then {@code exp} (required if {@code requireExp}),
     * {@code nbf} and {@code sub}.
     */
    static Claims verify(String token, byte[] secret, Clock clock, boolean requireExp) throws InvalidToken {
        if (token == null || token.isEmpty()) {
            throw new InvalidToken("no token: send auth: { token }");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidToken("token too long");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidToken("malformed token: expected header.payload.signature");
        }
        JsonNode header = decodeJson(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw new InvalidToken("unsupported token algorithm " + header.path("alg") + ": only HS256");
        }
        byte[] expected = hmac(secret, parts[0] + "." + parts[1]);
        byte[] actual;
        try {
            actual = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new InvalidToken("malformed token signature");
        }
        // the decoder also takes padding and non-zero trailing bits: several spellings of one signature
        if (!base64(actual).equals(parts[2])) {
            throw new InvalidToken("malformed token signature: not canonical base64url");
        }
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new InvalidToken("bad token signature");
        }
        JsonNode payload = decodeJson(parts[1], "payload");
        long now = clock.millis() / 1000;
        JsonNode exp = payload.get("exp");
        if (exp == null && requireExp) {
            throw new InvalidToken("token has no exp: tokens must expire");
        }
        if (exp != null && (!exp.isNumber() || !exp.canConvertToLong())) {
            throw new InvalidToken("token exp must be seconds since the epoch");
        }
        if (exp != null && now > exp.asLong() + LEEWAY_SECONDS) {
            throw new InvalidToken("token expired");
        }
        JsonNode nbf = payload.get("nbf");
        if (nbf != null && (!nbf.canConvertToLong() || now + LEEWAY_SECONDS < nbf.asLong())) {
            throw new InvalidToken("token not valid yet");
        }
        JsonNode sub = payload.get("sub");
        if (sub == null
                || !sub.isTextual()
                || sub.asText().isEmpty()
                || sub.asText().length() > 1024) {
            throw new InvalidToken("token has no sub (the client id)");
        }
        return new Claims(
                sub.asText(),
                strings(payload, "channels"),
                strings(payload, "publish"),
                exp == null ? null : exp.asLong());
    }

    /** Signs {@code claims} (for tests: applications mint tokens with any JWT library). */
    static String sign(Map<String, ?> claims, byte[] secret) {
        try {
            String header = base64(JSON.writeValueAsBytes(Map.of("alg", "HS256", "typ", "JWT")));
            String payload = base64(JSON.writeValueAsBytes(claims));
            return header + "." + payload + "." + base64(hmac(secret, header + "." + payload));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> strings(JsonNode payload, String name) throws InvalidToken {
        JsonNode n = payload.get(name);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidToken("token claim " + name + " must be an array of channel patterns");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new InvalidToken("token claim " + name + " must be an array of channel patterns");
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    private static JsonNode decodeJson(String part, String what) throws InvalidToken {
        try {
            JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(part));
            if (n == null || !n.isObject()) {
                throw new InvalidToken("malformed token " + what);
            }
            return n;
        } catch (IllegalArgumentException | IOException e) {
            throw new InvalidToken("malformed token " + what);
        }
    }

    private static byte[] hmac(byte[] secret, String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
