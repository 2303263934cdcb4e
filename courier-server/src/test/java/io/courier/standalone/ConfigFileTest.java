package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        return Files.writeString(dir.resolve("courier.yml"), yaml);
    }

    @Test
    void readsEveryOptionAndTheChannelRules() throws Exception {
        Path file = write("""
                host: 0.0.0.0
                port: 4000
                data: /var/lib/courier
                corsOrigins: [https://app.example]
                pingInterval: 10s
                apiKey: k
                jwtSecret: s
                jwtRequireExp: false
                metricsToken: m
                metricsPublic: true
                allowedHosts: [hub.example]
                corsCredentials: true
                admin: { password: p, sessionTtl: 90m }
                channels:
                  - match: "parcels.*"
                    subscribe: token
                    publish: token
                    retention: { maxAge: 2d, maxBytes: 64MiB }
                  - match: news
                    durable: false
                    publish: nobody
                """);
        Main.Options o = Main.Options.parse(List.of("--config", file.toString()), Map.of());
        assertThat(o.host).isEqualTo("0.0.0.0");
        assertThat(o.port).isEqualTo(4000);
        assertThat(o.data).isEqualTo(Path.of("/var/lib/courier"));
        assertThat(o.corsOrigins).containsExactly("https://app.example");
        assertThat(o.pingInterval).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.apiKey).isEqualTo("k");
        assertThat(o.jwtSecret).isEqualTo("s");
        assertThat(o.jwtRequireExp).isFalse();
        assertThat(o.metricsToken).isEqualTo("m");
        assertThat(o.metricsPublic).isTrue();
        assertThat(o.effectiveAllowedHosts()).containsExactly("hub.example");
        assertThat(o.corsCredentials).isTrue();
        for (List<String> args :
                List.of(List.of("--cors-credentials"), List.of("--cors-origin", "*", "--cors-credentials"))) {
            assertThatThrownBy(() -> Main.Options.parse(args, Map.of()))
                    .as(args.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--cors-credentials");
        }
        assertThat(Main.Options.parse(List.of(), Map.of()).effectiveAllowedHosts())
                .as("dev mode")
                .containsExactly("localhost", "127.0.0.1", "::1");
        assertThat(Main.Options.parse(List.of("--api-key", "k", "--jwt-secret", "s"), Map.of())
                        .effectiveAllowedHosts())
                .as("an API key and client tokens: any host")
                .isNull();
        assertThat(Main.Options.parse(List.of("--allowed-host", "*"), Map.of()).effectiveAllowedHosts())
                .isNull();
        assertThat(Main.Options.parse(List.of(), Map.of("COURIER_ALLOWED_HOSTS", "a.example, b.example"))
                        .effectiveAllowedHosts())
                .containsExactly("a.example", "b.example");
        assertThat(o.adminSessionTtl).isEqualTo(Duration.ofMinutes(90));
        assertThat(Main.Options.parse(List.of(), Map.of()).adminSessionTtl).isEqualTo(Duration.ofHours(24));
        assertThat(Main.Options.parse(List.of(), Map.of()).jwtRequireExp).isTrue();
        assertThat(Main.Options.parse(List.of("--no-jwt-require-exp"), Map.of()).jwtRequireExp)
                .isFalse();
        ChannelRules.Rule parcels = o.channels.find("parcels.east");
        assertThat(parcels.subscribe()).isEqualTo(ChannelRules.Access.TOKEN);
        assertThat(parcels.retention().maxAge()).isEqualTo(Duration.ofDays(2));
        assertThat(parcels.retention().maxBytes()).isEqualTo(64L << 20);
        assertThat(o.channels.find("news").durable()).isFalse();
        assertThat(o.channels.find("news").subscribe()).isEqualTo(ChannelRules.Access.ANYONE);
        assertThat(o.channels.find("other")).isNull();
    }

    @Test
    void environmentOverridesTheFileAndFlagsOverrideBoth() throws Exception {
        Path file = write("port: 4000\napiKey: from-file\nhost: 10.0.0.1\n");
        Main.Options o = Main.Options.parse(
                List.of("--port", "5000"),
                Map.of("COURIER_CONFIG", file.toString(), "COURIER_PORT", "4500", "COURIER_API_KEY", "from-env"));
        assertThat(o.port).isEqualTo(5000);
        assertThat(o.apiKey).isEqualTo("from-env");
        assertThat(o.host).isEqualTo("10.0.0.1");
        assertThat(o.channels).as("no rules: dev mode").isNull();
    }

    @Test
    void mistakesNameTheKey() throws Exception {
        Map<String, String> cases = Map.of(
                "prot: 3000\n", "unknown key prot",
                "channels:\n  - durable: true\n", "channels[0]: match",
                "channels:\n  - match: a\n    subscribe: everybody\n", "channels[0].subscribe",
                "channels:\n  - match: a\n    retention: { maxAge: forever }\n", "channels[0].retention.maxAge",
                "channels:\n  - match: a\n    retention: { maxBytes: 1PB }\n", "channels[0].retention.maxBytes",
                "port: 70000\n", "port",
                "channels: news\n", "channels must be a list");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = write(c.getKey());
            assertThatThrownBy(() -> Main.Options.parse(List.of("--config", file.toString()), Map.of()))
                    .as(c.getKey())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c.getValue());
        }
    }

    @Test
    void limitsBoundTheDurableStateAndABadOneNamesItsKey() throws Exception {
        Main.Options o = Main.Options.parse(
                List.of(
                        "--config",
                        write("limits: { subscriptionsPerClient: 10, channels: 500 }\n")
                                .toString()),
                Map.of());
        assertThat(o.limits).isEqualTo(new io.courier.durable.StoreLimits(10, 1_000_000, 500));
        assertThat(Main.Options.parse(List.of(), Map.of()).limits).isEqualTo(io.courier.durable.StoreLimits.DEFAULT);
        for (String bad :
                List.of("limits: { channels: 0 }", "limits: { channels: many }", "limits: { channels: 1.5 }")) {
            Path file = write(bad + "\n");
            assertThatThrownBy(() -> Main.Options.parse(List.of("--config", file.toString()), Map.of()))
                    .as(bad)
                    .hasMessageContaining("courier.yml: limits.channels");
        }
        Path unknown = write("limits: { queues: 3 }\n");
        assertThatThrownBy(() -> Main.Options.parse(List.of("--config", unknown.toString()), Map.of()))
                .hasMessageContaining("queues");
    }

    @Test
    void theInFlightWindowComesFromTheFileTheEnvironmentOrAFlag() throws Exception {
        assertThat(Main.Options.parse(List.of(), Map.of()).inFlightWindow)
                .as("unset: Courier's default")
                .isNull();
        String file = write("inFlightWindow: 64\n").toString();
        assertThat(Main.Options.parse(List.of("--config", file), Map.of()).inFlightWindow)
                .isEqualTo(64);
        assertThat(Main.Options.parse(List.of("--config", file), Map.of("COURIER_IN_FLIGHT_WINDOW", "32"))
                        .inFlightWindow)
                .isEqualTo(32);
        assertThat(Main.Options.parse(
                                List.of("--config", file, "--in-flight-window", "16"),
                                Map.of("COURIER_IN_FLIGHT_WINDOW", "32"))
                        .inFlightWindow)
                .isEqualTo(16);
        for (String bad : List.of("0", "100001", "many")) {
            Path badFile = write("inFlightWindow: " + bad + "\n");
            assertThatThrownBy(() -> Main.Options.parse(List.of("--config", badFile.toString()), Map.of()))
                    .as(bad)
                    .hasMessageContaining("courier.yml: inFlightWindow: " + bad);
            assertThatThrownBy(() -> Main.Options.parse(List.of("--in-flight-window", bad), Map.of()))
                    .hasMessageContaining("--in-flight-window " + bad + ": expected a number of deliveries, 1-100000");
            assertThatThrownBy(() -> Main.Options.parse(List.of(), Map.of("COURIER_IN_FLIGHT_WINDOW", bad)))
                    .hasMessageContaining("COURIER_IN_FLIGHT_WINDOW=" + bad);
        }
    }

    @Test
    void perMessageDeflateIsOffUnlessTurnedOnAndTakesSocketIosOptions() throws Exception {
        assertThat(Main.Options.parse(List.of(), Map.of()).perMessageDeflate).isFalse();
        assertThat(Main.Options.parse(List.of("--per-message-deflate"), Map.of()).perMessageDeflate)
                .isTrue();
        Main.Options t = Main.Options.parse(List.of("--per-message-deflate-threshold", "4096"), Map.of());
        assertThat(t.perMessageDeflate).isTrue();
        assertThat(t.deflateThreshold).isEqualTo(4096);
        assertThat(Main.Options.parse(List.of(), Map.of("COURIER_PER_MESSAGE_DEFLATE", "true")).perMessageDeflate)
                .isTrue();

        Path file = write("""
                perMessageDeflate:
                  threshold: 2048
                  level: 1
                  serverNoContextTakeover: true
                  clientNoContextTakeover: true
                  clientMaxWindowBits: 10
                """);
        Main.Options o = Main.Options.parse(List.of("--config", file.toString()), Map.of());
        assertThat(o.perMessageDeflate).isTrue();
        assertThat(o.deflateThreshold).isEqualTo(2048);
        assertThat(o.deflateLevel).isEqualTo(1);
        assertThat(o.deflateServerNoContextTakeover).isTrue();
        assertThat(o.deflateClientNoContextTakeover).isTrue();
        assertThat(o.deflateClientMaxWindowBits).isEqualTo(10);
        assertThat(Main.Options.parse(List.of("--config", file.toString(), "--no-per-message-deflate"), Map.of())
                        .perMessageDeflate)
                .as("a flag overrides the file")
                .isFalse();
        Path on = write("perMessageDeflate: true\n");
        assertThat(Main.Options.parse(List.of("--config", on.toString()), Map.of()).perMessageDeflate)
                .isTrue();
    }

    @Test
    void aBadPerMessageDeflateValueNamesItsSource() throws Exception {
        Path file = write("perMessageDeflate: { level: 12 }\n");
        assertThatThrownBy(() -> Main.Options.parse(List.of("--config", file.toString()), Map.of()))
                .hasMessage(file + ": perMessageDeflate.level: 12 (expected: an integer 1-9)");
        Path unknown = write("perMessageDeflate: { serverMaxWindowBits: 10 }\n");
        assertThatThrownBy(() -> Main.Options.parse(List.of("--config", unknown.toString()), Map.of()))
                .hasMessageContaining("perMessageDeflate: unknown key serverMaxWindowBits");
        Path text = write("perMessageDeflate: yes please\n");
        assertThatThrownBy(() -> Main.Options.parse(List.of("--config", text.toString()), Map.of()))
                .hasMessageContaining("perMessageDeflate: expected true, false or {");
        assertThatThrownBy(() -> Main.Options.parse(List.of(), Map.of("COURIER_PER_MESSAGE_DEFLATE", "maybe")))
                .hasMessage("COURIER_PER_MESSAGE_DEFLATE=maybe: expected true or false");
        assertThatThrownBy(() -> Main.Options.parse(List.of("--per-message-deflate-threshold", "-1"), Map.of()))
                .hasMessage("--per-message-deflate-threshold -1: expected a number of bytes >= 0");
    }
}
