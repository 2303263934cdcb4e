package io.courier.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.ByteBuffer;

/**
 * The one Jackson mapper Courier uses, and the conversion of emit arguments into JSON trees.
 *
 * <p>Parsing limits (per JSON document; messages are also bounded by maxHttpBufferSize): nesting depth 1000, numbers
 * of 100 digits (JSON.stringify never writes more than about 21), strings of 20,000,000 characters. A document beyond them is a protocol error.
 *
 * <p>Buffers: Jackson's default keeps its parse and write buffers (about 16 KB) per thread, which a virtual thread
 * never reuses, so every ack or emit a handler encoded allocated them afresh (9 KB of the 13 KB an echo with ack
 * allocated). This mapper keeps them per thread only for platform threads (the event loops, which parse every
 * packet received); a virtual thread takes a set from a bounded shared pool and gives it back after one document,
 * and the pool keeps at most {@link #POOLED_BUFFERS} sets ({@link BufferPool}).
 */
public final class JsonCodec {
    /** Buffer sets kept for reuse: about as many as threads encode or parse at once (event loops, carriers). */
    static final int POOLED_BUFFERS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(new BufferPool(POOLED_BUFFERS))
                    .build())
            .build()
            .findAndRegisterModules();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(1000)
                        .maxNumberLength(100)
                        .maxStringLength(20_000_000)
                        .build());
    }

    private JsonCodec() {}

    /**
     * Jackson's buffer sets per platform thread, as Jackson's default pool keeps them, and from a bounded shared pool
     * for virtual threads. A shared pool for every thread costs each Jackson parse and write on an event loop two turns
     * of its lock; a thread-local for virtual threads costs a new set each.
     * A set a platform thread keeps is never handed to the shared pool: only a virtual thread gives sets back to it.
     */
    static final class BufferPool implements RecyclerPool<BufferRecycler> {
        private static final long serialVersionUID = 1L;

        private final RecyclerPool<BufferRecycler> shared;

        BufferPool(int capacity) {
            this.shared = JsonRecyclerPools.newBoundedPool(capacity);
        }

        @Override
        public BufferRecycler acquirePooled() {
            return Thread.currentThread().isVirtual()
                    ? shared.acquirePooled()
                    : JsonRecyclerPools.threadLocalPool().acquirePooled();
        }

        @Override
        public BufferRecycler acquireAndLinkPooled() {
            // linked to the shared pool, a set goes back there when released; a platform thread's is not linked
            return Thread.currentThread().isVirtual()
                    ? shared.acquireAndLinkPooled()
                    : JsonRecyclerPools.threadLocalPool().acquirePooled();
        }

        @Override
        public void releasePooled(BufferRecycler recycler) {
            if (Thread.currentThread().isVirtual()) {
                shared.releasePooled(recycler);
            }
        }

        @Override
        public int pooledCount() {
            return shared.pooledCount();
        }

        @Override
        public boolean clear() {
            return shared.clear();
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Converts emit arguments into a JSON array: {@code byte[]} and {@link ByteBuffer} become binary nodes (binary
     * attachments on the wire), {@link JsonNode}s are used as they are, anything else goes through Jackson.
     */
    public static ArrayNode toArray(String event, Object[] args) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode(args.length + 1);
        if (event != null) {
            array.add(event);
        }
        for (Object a : args) {
            array.add(toNode(a));
        }
        return array;
    }

    public static JsonNode toNode(Object value) {
        if (value == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (value instanceof JsonNode n) {
            return n;
        }
        if (value instanceof byte[] b) {
            return JsonNodeFactory.instance.binaryNode(b);
        }
        if (value instanceof ByteBuffer bb) {
            byte[] b = new byte[bb.remaining()];
            bb.duplicate().get(b);
            return JsonNodeFactory.instance.binaryNode(b);
        }
        if (value instanceof String s) {
            return JsonNodeFactory.instance.textNode(s);
        }
        return MAPPER.valueToTree(value);
    }
}
