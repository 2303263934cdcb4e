/**
 * Connection state recovery (Socket.IO 4.6+): the log of offset-tagged packets and the sessions of sockets that
 * went away for a recoverable reason, behind the {@link io.courier.recovery.RecoveryStore} SPI.
 *
 * <p>{@link io.courier.recovery.InMemoryRecoveryStore} keeps both in memory, bounded by age and by entry count, as
 * the reference server does. A durable store implements the same SPI so recovery survives a restart. See README,
 * "Connection state recovery".
 */
package io.courier.recovery;
