package io.courier.msgpack;

/**
 * Bytes that are not exactly one msgpack value within the decoder's limits. The message is short and says what is
 * wrong (and where); it never quotes the input.
 */
public final class MsgPackException extends IllegalArgumentException {
    /**
     * Creates the exception.
     *
     * @param message what is wrong
     */
    public MsgPackException(String message) {
        super(message);
    }
}
