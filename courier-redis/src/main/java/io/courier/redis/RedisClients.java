package io.courier.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.time.Duration;
import java.util.function.Function;

/** The Lettuce clients of this module, all with the same bounds. */
final class RedisClients {
    /** Commands Lettuce queues while Redis is unreachable, before it refuses more. */
    static final int QUEUED_COMMANDS = 65_536;
    /** How long a command waits for Redis before it fails. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long what a node sent may stay unacknowledged by Redis' host, or an idle connection unanswered by keepalive
     * probes, before the connection counts as lost. A partition that drops packets closes no connection by itself: the
     * kernel retransmits for a minute or more, the connection looks open, and the node would say it is ready.
     */
    static final Duration DEAD_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    private RedisClients() {}

    /**
     * A client whose commands are bounded: while Redis is away, Lettuce holds at most {@link #QUEUED_COMMANDS}, each
     * for at most {@link #COMMAND_TIMEOUT}, then fails them.
     */
    static RedisClient create(RedisURI uri) {
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .requestQueueSize(QUEUED_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .socketOptions(socketOptions())
                // Redis Enterprise's maintenance events: a command plain Redis does not know
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .build());
        return client;
    }

    /**
     * TCP keepalive on idle connections and TCP_USER_TIMEOUT on busy ones, so that a silent partition closes the
     * connections within {@link #DEAD_CONNECTION_TIMEOUT}: a node's connections count as lost and Lettuce reconnects
     * (TCP_USER_TIMEOUT needs Netty's native epoll or io_uring transport, which Lettuce uses when it is on the class
     * path; elsewhere only keepalive applies).
     */
    static SocketOptions socketOptions() {
        return SocketOptions.builder()
                .keepAlive(SocketOptions.KeepAliveOptions.builder()
                        .enable()
                        .idle(Duration.ofSeconds(5))
                        .interval(Duration.ofSeconds(1))
                        .count(5)
                        .build())
                .tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder()
                        .enable()
                        .tcpUserTimeout(DEAD_CONNECTION_TIMEOUT)
                        .build())
                .build();
    }

    /** Makes the first connection; if that fails, the client is shut down before the failure is thrown. */
    static <T> T connect(RedisClient client, Function<RedisClient, T> connect) {
        try {
            return connect.apply(client);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw e;
        }
    }
}
