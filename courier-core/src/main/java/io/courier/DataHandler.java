package io.courier;

/** Handles one event whose first argument is bound to {@code T} (see {@link Socket#on(String, Class, DataHandler)}). */
@FunctionalInterface
public interface DataHandler<T> {
    void handle(T data, Ack ack) throws Exception;
}
