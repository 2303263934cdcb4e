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
    void thePoolKeepsABoundedNumberOfBufferSets() {
        RecyclerPool<BufferRecycler> pool = JsonCodec.mapper().getFactory()._getRecyclerPool();
        int many = JsonCodec.POOLED_BUFFERS * 3;
        BufferRecycler[] taken = new BufferRecycler[many];
        for (int i = 0; i < many; i++) {
            taken[i] = pool.acquireAndLinkPooled();
        }
        for (BufferRecycler r : taken) {
            r.releaseToPool();
        }
        assertThat(pool.pooledCount()).isLessThanOrEqualTo(JsonCodec.POOLED_BUFFERS);
    }

    @Test
    void writesAndReadsWithThePooledBuffers() throws Exception {
        String json = JsonCodec.mapper().writeValueAsString(JsonCodec.toArray("echo", new Object[] {"a", 1, null}));
        assertThat(json).isEqualTo("[\"echo\",\"a\",1,null]");
        assertThat(JsonCodec.mapper().readTree(json).get(2).asInt()).isEqualTo(1);
    }
}
