package io.courier.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;

/** {@link Parser#DEFAULT}: {@link SocketIoPacketEncoder} and {@link SocketIoPacketDecoder}. */
final class TextParser implements Parser {
    @Override
    public String name() {
        return "default";
    }

    @Override
    public PacketEncoder encoder(ObjectMapper mapper) {
        return new SocketIoPacketEncoder(mapper);
    }

    @Override
    public PacketDecoder decoder(ObjectMapper mapper, int maxAttachments) {
        return new SocketIoPacketDecoder(mapper, maxAttachments);
    }

    @Override
    public String toString() {
        return name();
    }
}
