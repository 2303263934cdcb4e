/**
 * Connection state recovery (Socket.IO 4.6+): the log of offset-tagged packets and the sessions of sockets that
 * went away for a recoverable reason, behind the asynchronous {@link io.courier.recovery.RecoveryStore} SPI, and the
 * {@link io.courier.recovery.RecoveryOutbox} that fans packets out and restores sessions in offset order.
 *
 * <p>{@link io.courier.recovery.InMemoryRecoveryStore} keeps both in memory, bounded by age and by entry count, as
 * the reference server does; {@link io.courier.recovery.JournalRecoveryStore} also writes them to a segment log so
 * recovery survives a restart. A network store implements the same SPI: it answers with stages and never blocks. See
 * README, "Connection state recovery", and ARCHITECTURE.md.
 */
package io.courier.recovery;
