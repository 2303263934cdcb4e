package io.courier.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SocketIoPacketTypeTest {

    @Test
    void hasTheWireCodesOfTheSpec() {
        assertThat(SocketIoPacketType.CONNECT.code()).isZero();
        assertThat(SocketIoPacketType.DISCONNECT.code()).isEqualTo(1);
        assertThat(SocketIoPacketType.EVENT.code()).isEqualTo(2);
        assertThat(SocketIoPacketType.ACK.code()).isEqualTo(3);
        assertThat(SocketIoPacketType.CONNECT_ERROR.code()).isEqualTo(4);
        assertThat(SocketIoPacketType.BINARY_EVENT.code()).isEqualTo(5);
        assertThat(SocketIoPacketType.BINARY_ACK.code()).isEqualTo(6);
    }

    @ParameterizedTest
    @EnumSource(SocketIoPacketType.class)
    void findsEachTypeByItsCode(SocketIoPacketType type) {
        assertThat(SocketIoPacketType.fromCode(type.code())).isSameAs(type);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 7, 9, Integer.MAX_VALUE})
    void rejectsAnUnknownCode(int code) {
        assertThatThrownBy(() -> SocketIoPacketType.fromCode(code))
                .isInstanceOf(SocketIoProtocolException.class)
                .hasMessage("unknown packet type " + code);
    }
}
