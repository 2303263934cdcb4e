/**
 * Courier nodes as one cluster over Redis. {@link io.courier.redis.RedisCluster} is the adapter factory a node is
 * configured with; {@link io.courier.redis.RedisAdapter} speaks {@code @socket.io/redis-adapter}'s protocol for each
 * namespace, its messages encoded by {@link io.courier.msgpack.MsgPack} (notepack.io's msgpack) or as JSON.
 *
 * <p>Depends on Courier's public API and adapter SPI, and on Lettuce.
 */
package io.courier.redis;
