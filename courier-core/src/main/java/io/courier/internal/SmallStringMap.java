package io.courier.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable map of a few strings (a request's headers or query parameters), in insertion order, held as one array
 * of keys and values: about half the memory of {@link Map#copyOf}'s table, which a session keeps for its lifetime.
 * Lookups are linear, which for the dozen or so entries of a request is as quick as hashing.
 */
public final class SmallStringMap extends AbstractMap<String, String> {
    private static final SmallStringMap EMPTY = new SmallStringMap(new String[0]);

    private final String[] keysAndValues; // key, value, key, value, ...

    private SmallStringMap(String[] keysAndValues) {
        this.keysAndValues = keysAndValues;
    }

    /** {@code map} itself if it is one, else an immutable copy (null keys and values are refused, as by Map.copyOf). */
    public static SmallStringMap copyOf(Map<String, String> map) {
        if (map instanceof SmallStringMap small) {
            return small;
        }
        if (map.isEmpty()) {
            return EMPTY;
        }
        String[] kv = new String[map.size() * 2];
        int i = 0;
        for (Entry<String, String> e : map.entrySet()) {
            kv[i++] = Objects.requireNonNull(e.getKey(), "key");
            kv[i++] = Objects.requireNonNull(e.getValue(), "value");
        }
        return new SmallStringMap(kv);
    }

    /** The key of the {@code i}-th entry, in the order the entries were added. */
    public String key(int i) {
        return keysAndValues[2 * i];
    }

    /** The value of the {@code i}-th entry, in the order the entries were added. */
    public String value(int i) {
        return keysAndValues[2 * i + 1];
    }

    /** Builds a map entry by entry; a repeated key is merged with {@code ", "} (how HTTP joins repeated headers). */
    public static final class Builder {
        private String[] kv;
        private int size;

        public Builder() {
            this(8);
        }

        /** A builder with room for {@code entries} entries before it grows. */
        public Builder(int entries) {
            kv = new String[Math.max(2, entries * 2)];
        }

        /** Adds {@code key}, which the caller knows is not in the builder yet, with {@code value}: no search for it. */
        public Builder addNew(String key, String value) {
            if (size == kv.length) {
                kv = java.util.Arrays.copyOf(kv, size * 2);
            }
            kv[size++] = Objects.requireNonNull(key, "key");
            kv[size++] = Objects.requireNonNull(value, "value");
            return this;
        }

        /** Adds {@code key} with {@code value}, or appends {@code ", " + value} to the value it has. */
        public Builder merge(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < size; i += 2) {
                if (kv[i].equals(key)) {
                    kv[i + 1] = kv[i + 1] + ", " + value;
                    return this;
                }
            }
            return addNew(key, value);
        }

        /** The map; the builder is spent (its array, when exactly full, becomes the map's without a copy). */
        public SmallStringMap build() {
            String[] all = size == kv.length ? kv : java.util.Arrays.copyOf(kv, size);
            kv = null;
            return size == 0 ? EMPTY : new SmallStringMap(all);
        }
    }

    @Override
    public String get(Object key) {
        String[] kv = keysAndValues;
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i].equals(key)) {
                return kv[i + 1];
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return keysAndValues.length / 2;
    }

    @Override
    public boolean isEmpty() {
        return keysAndValues.length == 0;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        // a view made on each call: a field to keep it would cost every session's maps 4 bytes
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keysAndValues.length;
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (next >= keysAndValues.length) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, String> e = Map.entry(keysAndValues[next], keysAndValues[next + 1]);
                        next += 2;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return keysAndValues.length / 2;
            }
        };
    }
}
