package io.courier.protocol;

import static io.courier.protocol.Json.arr;
import static io.courier.protocol.Json.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SocketIoPacketTest {

    @Test
    void buildsEachKindWithItsFactory() {
        assertThat(SocketIoPacket.connect("/", null))
                .isEqualTo(new SocketIoPacket(SocketIoPacketType.CONNECT, "/", -1, null));
        assertThat(SocketIoPacket.disconnect("/a"))
                .isEqualTo(new SocketIoPacket(SocketIoPacketType.DISCONNECT, "/a", -1, null));
        assertThat(SocketIoPacket.event("/", arr("e")))
                .isEqualTo(new SocketIoPacket(SocketIoPacketType.EVENT, "/", -1, arr("e")));
        assertThat(SocketIoPacket.event("/", 3, arr("e")))
                .isEqualTo(new SocketIoPacket(SocketIoPacketType.EVENT, "/", 3, arr("e")));
        assertThat(SocketIoPacket.ack("/", 0, arr()))
                .isEqualTo(new SocketIoPacket(SocketIoPacketType.ACK, "/", 0, arr()));
        assertThat(SocketIoPacket.connectError("/", obj("message", "no")))
                .isEqualTo(new SocketIoPacket(SocketIoPacketType.CONNECT_ERROR, "/", -1, obj("message", "no")));
    }

    @Test
    void reportsWhetherItHasAnAckId() {
        assertThat(SocketIoPacket.event("/", arr("e")).hasAckId()).isFalse();
        assertThat(SocketIoPacket.event("/", 0, arr("e")).hasAckId()).isTrue();
    }

    @Test
    void rejectsTheWireOnlyBinaryTypes() {
        assertThatThrownBy(() -> new SocketIoPacket(SocketIoPacketType.BINARY_EVENT, "/", -1, arr("e")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SocketIoPacket(SocketIoPacketType.BINARY_ACK, "/", 1, arr()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsANamespaceThatTheWireCannotCarry() {
        assertThatThrownBy(() -> SocketIoPacket.disconnect("admin")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketIoPacket.disconnect("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketIoPacket.disconnect("/a,b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketIoPacket.disconnect(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsAnAckIdThatDoesNotFitTheType() {
        assertThatThrownBy(() -> SocketIoPacket.event("/", -2, arr("e"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketIoPacket.ack("/", -1, arr())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SocketIoPacket(SocketIoPacketType.CONNECT, "/", 1, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requiresDataForEventsAcksAndConnectErrors() {
        assertThatThrownBy(() -> SocketIoPacket.event("/", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SocketIoPacket.ack("/", 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SocketIoPacket.connectError("/", null)).isInstanceOf(NullPointerException.class);
    }
}
