package io.courier.engine;

import io.courier.engine.codec.EngineIoPacket;
import io.courier.engine.codec.EngineIoPacketEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One long-poll GET as the HTTP layer would hold it. Records every answer, so a test sees both what was answered and
 * how many times: a 200 as its encoded polling body (records joined by {@code \x1e}), a plain 400 as
 * {@code <rejected>}, an Engine.IO error as {@code <error NAME>}.
 */
final class RecordingPoll implements PollResponder {
    private final List<String> answers = new ArrayList<>();

    @Override
    public void respond(Collection<EngineIoPacket> packets) {
        ByteBuf body = EngineIoPacketEncoder.encodePayload(packets, ByteBufAllocator.DEFAULT);
        try {
            answers.add(body.toString(StandardCharsets.UTF_8));
        } finally {
            body.release();
        }
    }

    @Override
    public void reject() {
        answers.add("<rejected>");
    }

    @Override
    public void error(EngineIoError error) {
        answers.add("<error " + error.name() + ">");
    }

    /** Every answer so far; a correct session answers a poll at most once. */
    List<String> answers() {
        return List.copyOf(answers);
    }

    boolean answered() {
        return !answers.isEmpty();
    }
}
