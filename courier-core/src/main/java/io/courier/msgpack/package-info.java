/**
 * msgpack as notepack.io writes and reads it ({@link io.courier.msgpack.MsgPack}): the Socket.IO msgpack parser's
 * wire format and the Redis adapters' messages. Bounded decoding of untrusted input; imports no other Courier package.
 */
package io.courier.msgpack;
