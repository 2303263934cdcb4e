package io.courier.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

class CommonStringsTest {
    @Test
    void aCommonHeaderNameInAnyCaseIsTheSharedLowerCaseConstant() {
        String host = CommonStrings.headerName("host");
        assertThat(host).isEqualTo("host");
        assertThat(CommonStrings.headerName("Host")).isSameAs(host);
        assertThat(CommonStrings.headerName(AsciiString.of("HOST"))).isSameAs(host);
        assertThat(CommonStrings.headerName(AsciiString.of("Sec-WebSocket-Key")))
                .isSameAs(CommonStrings.headerName("sec-websocket-key"))
                .isEqualTo("sec-websocket-key");
    }

    @Test
    void anyOtherNameIsLowerCased() {
        assertThat(CommonStrings.headerName(AsciiString.of("X-Custom-Thing"))).isEqualTo("x-custom-thing");
        assertThat(CommonStrings.headerName("Hostx")).isEqualTo("hostx");
        assertThat(CommonStrings.headerName("")).isEmpty();
    }
}
