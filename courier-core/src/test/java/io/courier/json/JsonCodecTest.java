package io.courier.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    @Test
    void virtualThreadsShareTheMappersBuffersInsteadOfAllocatingTheirOwn() throws Exception {
        // Jackson's default pool keeps one buffer set per thread: 20 virtual threads would take 20 fresh sets
        RecyclerPool<BufferRecycler> pool = JsonCodec.mapper().getFactory()._getRecyclerPool();
        Set<BufferRecycler> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 20; i++) {
            Thread t = Thread.ofVirtual().start(() -> {
                BufferRecycler r = pool.acquireAndLinkPooled();
                seen.add(r);
                r.releaseToPool();
            });
            t.join();
        }
        assertThat(seen).hasSizeLessThan(20);
    }

    @Test
    void thePoolKeepsABoundedNumberOfBufferSets() throws Exception {
        RecyclerPool<BufferRecycler> pool = JsonCodec.mapper().getFactory()._getRecyclerPool();
        int many = JsonCodec.POOLED_BUFFERS * 3;
        Thread t = Thread.ofVirtual().start(() -> {
            BufferRecycler[] taken = new BufferRecycler[many];
            for (int i = 0; i < many; i++) {
                taken[i] = pool.acquireAndLinkPooled();
            }
            for (BufferRecycler r : taken) {
                r.releaseToPool();
            }
        });
        t.join();
        assertThat(pool.pooledCount()).isBetween(1, JsonCodec.POOLED_BUFFERS);
    }

    @Test
    void aPlatformThreadKeepsItsOwnBufferSetOutOfTheSharedPool() throws Exception {
        // an event loop parses every packet: its set is its own, taken without the shared pool's lock
        RecyclerPool<BufferRecycler> pool = JsonCodec.mapper().getFactory()._getRecyclerPool();
        BufferRecycler first = pool.acquireAndLinkPooled();
        first.releaseToPool();
        int shared = pool.pooledCount();
        BufferRecycler again = pool.acquireAndLinkPooled();
        pool.releasePooled(again);
        assertThat(again).isSameAs(first);
        assertThat(pool.pooledCount()).isEqualTo(shared);

        BufferRecycler[] other = new BufferRecycler[1];
        Thread t = Thread.ofPlatform().start(() -> other[0] = pool.acquireAndLinkPooled());
        t.join();
        assertThat(other[0]).isNotNull().isNotSameAs(first);
    }

    @Test
    void writesAndReadsWithThePooledBuffers() throws Exception {
        String json = JsonCodec.mapper().writeValueAsString(JsonCodec.toArray("echo", new Object[] {"a", 1, null}));
        assertThat(json).isEqualTo("[\"echo\",\"a\",1,null]");
        assertThat(JsonCodec.mapper().readTree(json).get(2).asInt()).isEqualTo(1);
    }
}
