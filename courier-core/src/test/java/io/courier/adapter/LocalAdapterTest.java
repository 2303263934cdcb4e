package io.courier.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.courier.json.JsonCodec;
import io.courier.protocol.SocketIoPacket;
import io.courier.protocol.SocketIoPacketEncoder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalAdapterTest {
    private final Map<String, Recorder> members = new LinkedHashMap<>();
    private final LocalAdapter adapter = new LocalAdapter(new Directory());

    /** The test's members as a single node's directory: it delivers member by member (the interface's defaults). */
    private class Directory implements MemberDirectory {
        @Override
        public String name() {
            return "/";
        }

        @Override
        public Member member(String id) {
            return members.get(id);
        }

        @Override
        public Collection<? extends Member> members() {
            return members.values();
        }

        @Override
        public void receiveServerSideEmit(List<JsonNode> data, AckCallback reply) {
            throw new AssertionError("a single node receives no server-side emits");
        }

        @Override
        public OutboundPacket encodeEvent(ArrayNode data, boolean withAck) {
            throw new AssertionError("a single node receives no peer broadcasts");
        }
    }

    private static final OutboundPacket PACKET = OutboundPacket.encode(
            SocketIoPacket.event("/", JsonNodeFactory.instance.arrayNode().add("news")),
            new SocketIoPacketEncoder(JsonCodec.mapper()));

    private Recorder add(String id, String... rooms) {
        Recorder r = new Recorder(id);
        members.put(id, r);
        adapter.addAll(id, Set.of(rooms));
        return r;
    }

    private List<String> recipients(BroadcastOptions options) {
        members.values().forEach(r -> r.received.clear());
        adapter.broadcast(PACKET, options);
        List<String> out = new ArrayList<>();
        members.values().forEach(r -> {
            if (!r.received.isEmpty()) {
                out.add(r.id);
            }
        });
        return out;
    }

    private static BroadcastOptions to(Set<String> rooms, Set<String> except) {
        return new BroadcastOptions(rooms, except, false, true, false);
    }

    @Test
    void everyRecipientIsHandedTheSameEncodedPacketOnce() {
        add("a", "r");
        add("b", "r");
        add("c", "r", "s");
        adapter.broadcast(PACKET, to(Set.of("r", "s"), Set.of()));
        for (Recorder r : members.values()) {
            assertThat(r.received).hasSize(1);
            assertThat(r.received.get(0)).isSameAs(PACKET);
            assertThat(r.received.get(0).enginePackets()).isSameAs(PACKET.enginePackets());
        }
    }

    @Test
    void roomsUnionMinusExcludedRooms() {
        add("a", "r");
        add("b", "s");
        add("c", "r", "muted");
        add("d");
        assertThat(recipients(to(Set.of("r", "s"), Set.of("muted")))).containsExactlyInAnyOrder("a", "b");
        assertThat(recipients(to(Set.of(), Set.of()))).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(recipients(to(Set.of(), Set.of("a")))).containsExactlyInAnyOrder("b", "c", "d");
    }

    @Test
    void aBroadcastToEverySocketAsksTheDirectoryForAllItsMembersNotForAList() {
        List<String> calls = new ArrayList<>();
        LocalAdapter all = new LocalAdapter(new Directory() {
            @Override
            public void deliver(
                    List<? extends Member> targets, OutboundPacket packet, boolean droppable, AckCallback ack) {
                calls.add("deliver " + targets.size());
            }

            @Override
            public void deliverToAll(OutboundPacket packet, boolean droppable) {
                calls.add("deliverToAll" + (droppable ? " droppable" : ""));
            }
        });
        add("a", "r");
        add("b");

        all.broadcast(PACKET, to(Set.of(), Set.of()));
        all.broadcast(PACKET, new BroadcastOptions(Set.of(), Set.of(), true, true, false));
        all.broadcast(PACKET, to(Set.of(), Set.of("b")));
        all.broadcast(PACKET, to(Set.of("a"), Set.of()));

        assertThat(calls).containsExactly("deliverToAll", "deliverToAll droppable", "deliver 1", "deliver 1");
    }

    @Test
    void aSocketIdIsARoomOfItsOwnWithoutBeingStored() {
        add("a");
        add("b", "r");
        assertThat(recipients(to(Set.of("a"), Set.of()))).containsExactly("a");
        assertThat(adapter.socketRooms("a")).containsExactly("a");
        assertThat(adapter.socketRooms("b")).containsExactlyInAnyOrder("b", "r");
        assertThat(adapter.sockets(Set.of("r"))).containsExactly("b");
    }

    @Test
    void leavingRemovesEmptyRoomsAndDelAllForgetsTheSocket() {
        add("a", "r", "s");
        adapter.del("a", "r");
        assertThat(adapter.socketRooms("a")).containsExactlyInAnyOrder("a", "s");
        assertThat(recipients(to(Set.of("r"), Set.of()))).isEmpty();
        adapter.delAll("a");
        members.remove("a");
        assertThat(adapter.socketRooms("a")).isEmpty();
        assertThat(recipients(to(Set.of("s"), Set.of()))).isEmpty();
    }

    @Test
    void broadcastWithAckCountsTheRecipientsBeforeDelivering() {
        add("a", "r");
        add("b", "r");
        add("c");
        int[] count = {-1};
        adapter.broadcastWithAck(PACKET, to(Set.of("r"), Set.of()), n -> count[0] = n, args -> {});
        assertThat(count[0]).isEqualTo(2);
        assertThat(members.get("a").acks).hasSize(1);
        assertThat(members.get("c").received).isEmpty();
    }

    @Test
    void socketsJoinAndLeaveApplyToTheMatchingSockets() {
        add("a", "r");
        add("b");
        adapter.addSockets(to(Set.of("r"), Set.of()), Set.of("x"));
        assertThat(adapter.sockets(Set.of("x"))).containsExactly("a");
        adapter.addSockets(to(Set.of(), Set.of()), Set.of("all"));
        assertThat(adapter.sockets(Set.of("all"))).containsExactlyInAnyOrder("a", "b");
        adapter.delSockets(to(Set.of("r"), Set.of()), Set.of("all"));
        assertThat(adapter.sockets(Set.of("all"))).containsExactly("b");
    }

    @Test
    void aSingleNodeFindsOnlyItsOwnSocketsAndHasNoPeersToAsk() {
        add("a", "r");
        add("b");
        FetchedSockets found = adapter.fetchSockets(to(Set.of("r"), Set.of())).join();
        assertThat(found.local()).extracting(Member::id).containsExactly("a");
        assertThat(found.remote()).isEmpty();
        assertThat(adapter.serverCount().join()).isEqualTo(1);
        adapter.serverSideEmit(List.of(JsonNodeFactory.instance.textNode("hello")));
        assertThat(adapter.serverSideEmitWithAck(List.of(JsonNodeFactory.instance.textNode("hello")))
                        .join())
                .as("no other node, no answer to wait for")
                .isEmpty();
    }

    @Test
    void disconnectSocketsDisconnectsTheMatchingSockets() {
        add("a", "r");
        add("b");
        adapter.disconnectSockets(to(Set.of("r"), Set.of()), true);
        assertThat(members.get("a").disconnected).containsExactly(true);
        assertThat(members.get("b").disconnected).isEmpty();
    }

    private static final class Recorder implements Member {
        final String id;
        final List<OutboundPacket> received = new ArrayList<>();
        final List<AckCallback> acks = new ArrayList<>();
        final List<Boolean> disconnected = new ArrayList<>();

        Recorder(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public void deliver(OutboundPacket packet, boolean droppable, AckCallback ack) {
            received.add(packet);
            if (ack != null) {
                acks.add(ack);
            }
        }

        @Override
        public void disconnect(boolean close) {
            disconnected.add(close);
        }

        @Override
        public SocketDetails describe() {
            return new SocketDetails(id, Set.of(id), JsonNodeFactory.instance.objectNode(), null);
        }
    }
}
