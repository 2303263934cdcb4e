package io.courier.engine;

/** The closed table of Engine.IO request errors, sent as JSON {@code {"code":n,"message":"..."}}. */
public enum EngineIoError {
    UNKNOWN_TRANSPORT(0, "Transport unknown", 400),
    UNKNOWN_SID(1, "Session ID unknown", 400),
    BAD_HANDSHAKE_METHOD(2, "Bad handshake method", 400),
    BAD_REQUEST(3, "Bad request", 400),
    FORBIDDEN(4, "Forbidden", 403),
    UNSUPPORTED_PROTOCOL_VERSION(5, "Unsupported protocol version", 400);

    private final int code;
    private final String message;
    private final int httpStatus;

    EngineIoError(int code, String message, int httpStatus) {
        this.code = code;
        this.message = message;
        this.httpStatus = httpStatus;
    }

    public int code() {
        return code;
    }

    public String message() {
        return message;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The JSON body, e.g. {@code {"code":1,"message":"Session ID unknown"}}. */
    public String json() {
        return "{\"code\":" + code + ",\"message\":\"" + message + "\"}";
    }
}
