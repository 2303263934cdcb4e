package io.courier.engine.codec;

import io.netty.handler.codec.DecoderException;

/** Malformed Engine.IO input. The message names the rule that failed, never the payload. */
public final class EngineIoProtocolException extends DecoderException {
    public EngineIoProtocolException(String message) {
        super(message);
    }
}
