package io.courier.adapter;

import java.util.List;

/**
 * What {@link Adapter#fetchSockets} found: this node's matching sockets, and those its peers described.
 *
 * @param local members handed out by this namespace's {@link MemberDirectory}
 * @param remote sockets on other nodes (empty for a single node)
 */
public record FetchedSockets(List<Member> local, List<SocketDetails> remote) {
    public FetchedSockets {
        local = List.copyOf(local);
        remote = List.copyOf(remote);
    }
}
