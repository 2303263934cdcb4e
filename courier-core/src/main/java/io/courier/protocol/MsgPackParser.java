package io.courier.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;

/** {@link Parser#MSGPACK}: {@link MsgPackPacketEncoder} and {@link MsgPackPacketDecoder}. */
final class MsgPackParser implements Parser {
    @Override
    public String name() {
        return "msgpack";
    }

    @Override
    public PacketEncoder encoder(ObjectMapper mapper) {
        return new MsgPackPacketEncoder(mapper);
    }

    /** The decoder keeps no state, so connections share one per mapper; there are no attachments to bound. */
    @Override
    public PacketDecoder decoder(ObjectMapper mapper, int maxAttachments) {
        MsgPackPacketDecoder d = shared;
        if (d == null || d.mapper() != mapper) {
            d = new MsgPackPacketDecoder(mapper);
            shared = d;
        }
        return d;
    }

    private volatile MsgPackPacketDecoder shared;

    @Override
    public String toString() {
        return name();
    }
}
