package io.courier.adapter;

import java.util.Collection;

/** The namespace's local sockets, as given to its adapter. Thread-safe. */
public interface MemberDirectory {
    /** The namespace name. */
    String name();

    /** The local socket with that id, or null. */
    Member member(String id);

    /** A weakly consistent view of all local sockets. */
    Collection<? extends Member> members();
}
