package io.courier.adapter;

/** Creates the adapter of each namespace. */
@FunctionalInterface
public interface AdapterFactory {
    Adapter create(MemberDirectory namespace);
}
