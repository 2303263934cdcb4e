package io.courier.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Records what a session delivers: messages (binary as {@code <binary hex>}) and close reasons. One instance may serve
 * every session of a server ({@code session -> listener}).
 */
public final class RecordingListener implements EngineIoSession.Listener {
    public final List<String> messages = new ArrayList<>();
    public final List<EngineIoCloseReason> closes = new ArrayList<>();

    @Override
    public void onMessage(EngineIoSession session, String text) {
        messages.add(text);
    }

    @Override
    public void onBinary(EngineIoSession session, byte[] data) {
        messages.add(TestSocket.binary(data));
    }

    @Override
    public void onClose(EngineIoSession session, EngineIoCloseReason reason) {
        closes.add(reason);
    }
}
