package io.courier.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.badinput.RawClient.HttpReply;
import java.net.http.HttpResponse;

/** Assertions on the Engine.IO error answers: a status and {@code {"code":n,"message":..}}. */
final class EngineErrors {
    private EngineErrors() {}

    static void assertEngineError(HttpReply r, int code, String message) {
        assertThat(r.status()).as("%s", r).isEqualTo(code == 4 ? 403 : 400);
        assertThat(r.header("Content-Type")).as("%s", r).startsWith("application/json");
        assertThat(r.bodyText()).isEqualTo("{\"code\":" + code + ",\"message\":\"" + message + "\"}");
    }

    static void assertEngineError(HttpResponse<String> r, int code, String message) {
        assertThat(r.statusCode()).as("%s", r.body()).isEqualTo(code == 4 ? 403 : 400);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).isEqualTo("{\"code\":" + code + ",\"message\":\"" + message + "\"}");
    }
}
