package io.courier.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.courier.protocol.SocketIoPacketEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The CONNECT answer written without the encoder is what the default encoder writes for the same packet. */
class ConnectReplyTextTest {
    private final SocketIoPacketEncoder encoder = new SocketIoPacketEncoder(JsonCodec.mapper());

    private String encoded(String nsp, String sid, String pid) {
        ObjectNode reply = JsonNodeFactory.instance.objectNode().put("sid", sid);
        if (pid != null) {
            reply.put("pid", pid);
        }
        return encoder.encode(SocketIoPacket.connect(nsp, reply)).text();
    }

    @Test
    void sameTextAsTheEncoder() {
        String[][] cases = {
            {"/", "obCEvDlHaF_8WATBzjGB", null},
            {"/", "obCEvDlHaF_8WATBzjGB", "k52ZNkEQO7D0bBOsIqOkag"},
            {"/chat", "Mb8uUz7fT8dUsLGOfVkH", null},
            {"/admin/x", "a-b_c", "p"},
        };
        for (String[] c : cases) {
            assertThat(new String(ClientConnection.connectReplyFrame(c[0], c[1], c[2]), StandardCharsets.UTF_8))
                    .as("%s %s %s", c[0], c[1], c[2])
                    .isEqualTo("4" + encoded(c[0], c[1], c[2]));
        }
    }

    @Test
    void idsJsonWouldEscapeAreLeftToTheEncoder() {
        assertThat(ClientConnection.connectReplyFrame("/", "a\"b", null)).isNull();
        assertThat(ClientConnection.connectReplyFrame("/", "a\\b", null)).isNull();
        assertThat(ClientConnection.connectReplyFrame("/", "ab", "p\n")).isNull();
        assertThat(ClientConnection.connectReplyFrame("/", "é", null)).isNull();
        assertThat(ClientConnection.connectReplyFrame("/ünï", "ab", null)).isNull();
    }
}
