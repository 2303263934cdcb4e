package io.courier.examples;

/** The README's example on a free port, in a JVM of its own (see {@link EmbeddedServerTest}). */
public final class ChatServerOnAnyPort {
    private ChatServerOnAnyPort() {}

    public static void main(String[] args) {
        ChatServer.start(0);
    }
}
