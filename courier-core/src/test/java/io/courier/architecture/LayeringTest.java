package io.courier.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Enforces the import rules of ARCHITECTURE.md ("Layering") on the main sources of every module: between the packages
 * of courier-core, and from the other modules onto courier-core's public API.
 *
 * <p>Every reference to an {@code io.courier} class counts, whether an import or a fully qualified name.
 */
class LayeringTest {
    /** The reactor root: Surefire runs this test in courier-core. */
    private static final Path ROOT = Path.of("..");

    private static final String CORE = "courier-core";

    /** {@code io.courier.<package>.<Class>}; the package may be empty (the root API) or nested. */
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.courier\\.((?:[a-z][a-z0-9]*\\.)*)([A-Z]\\w*)");

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    /** Package (relative to io.courier; "" is the root API) to the io.courier packages it may import. */
    private static final Map<String, Set<String>> CORE_PACKAGES = Map.ofEntries(
            Map.entry("engine.codec", Set.of()),
            Map.entry("protocol", Set.of("msgpack")),
            Map.entry("msgpack", Set.of()),
            Map.entry("internal", Set.of()),
            Map.entry("json", Set.of()),
            Map.entry("http", Set.of()),
            Map.entry("recovery", Set.of("journal", "json")),
            Map.entry("durable", Set.of("journal", "json")),
            Map.entry("metrics", Set.of("engine", "server", "durable", "journal")),
            Map.entry("journal", Set.of("internal")),
            Map.entry("engine", Set.of("engine.codec", "internal")),
            Map.entry("netty", Set.of("engine", "engine.codec", "internal", "http")),
            Map.entry("adapter", Set.of("engine.codec", "protocol")),
            Map.entry(
                    "server",
                    Set.of(
                            "",
                            "adapter",
                            "engine",
                            "engine.codec",
                            "protocol",
                            "json",
                            "internal",
                            "recovery",
                            "durable")),
            Map.entry("conformance", Set.of("", "engine", "engine.codec", "netty")),
            Map.entry(
                    "",
                    Set.of(
                            "adapter",
                            "engine",
                            "engine.codec",
                            "netty",
                            "protocol",
                            "http",
                            "server",
                            "json",
                            "internal",
                            "recovery",
                            "durable",
                            "journal",
                            "metrics")));

    /**
     * The public API other modules build on: the root package ({@code Courier}, {@code CourierConfig}, {@code Socket},
     * ...), plain HTTP routes ({@code http}), the adapter SPI ({@code adapter}), the Micrometer binder
     * {@code Courier.metrics()} returns ({@code metrics}) and the test suites' target ({@code conformance}).
     */
    static final Set<String> PUBLIC_PACKAGES = Set.of("", "http", "adapter", "metrics", "conformance");

    /**
     * The durable store's SPI value types, part of the configuration ({@code durableQueues(d -> d.retention(...)
     * .limits(...))}) and of what {@code DurableQueues} answers and fails with. Its implementations
     * ({@code JournalMessageStore}, {@code AbstractMessageStore}, {@code ChannelLog}) and {@code journal} are not.
     */
    static final Set<String> DURABLE_VALUES = Set.of(
            "durable.StoreLimits",
            "durable.Retention",
            "durable.ChannelStats",
            "durable.StoreException",
            "durable.StoreLimitException");

    /**
     * The public classes of otherwise internal packages: the durable values above and the wire format's choice
     * ({@code CourierConfig.Builder.parser(Parser.MSGPACK)}); the encoders and decoders behind it are not.
     */
    static final Set<String> PUBLIC_CLASSES = union(DURABLE_VALUES, Set.of("protocol.Parser"));

    /** The SPIs a store for a cluster implements: the interfaces, their factories and the values they exchange. */
    static final Set<String> STORE_SPI = Set.of(
            "durable.MessageStore",
            "durable.MessageStoreFactory",
            "durable.StoredMessage",
            "recovery.RecoveryStore",
            "recovery.RecoveryStoreFactory",
            "recovery.LoggedPacket",
            "recovery.SavedSession");

    /**
     * What each module other than courier-core may reference: its own packages (below {@code own}), whole packages of
     * courier-core and single classes of others. A module is checked when it has main sources; one with main sources
     * and no rule here fails the test.
     */
    static final Map<String, ModuleRule> MODULES = Map.of(
            // the standalone hub: public API only, and the cluster over Redis (courier-redis's public API)
            "courier-server", new ModuleRule("standalone", union(PUBLIC_PACKAGES, Set.of("redis")), PUBLIC_CLASSES),
            // test support, if it ever has main code: the public API and the hub it starts
            "courier-interop-tests",
                    new ModuleRule("interop", union(PUBLIC_PACKAGES, Set.of("standalone")), PUBLIC_CLASSES),
            // the Java client (Java 17, Netty and Jackson only): nothing of the server, not even its public API
            "courier-client", new ModuleRule("client", Set.of(), Set.of()),
            // the cluster over Redis: the root API, the adapter SPI, the store SPIs, the packets it relays and the
            // polling requests it forwards
            "courier-redis",
                    new ModuleRule(
                            "redis",
                            Set.of("", "adapter", "protocol", "http", "msgpack"),
                            union(DURABLE_VALUES, STORE_SPI)),
            // the benchmark harness and its Courier peer: the public API, the cluster over Redis and the hub; its
            // JMH micro-benchmarks (bench.jmh) measure the codecs, so the codec packages and the runtime's mapper too
            "courier-bench",
                    new ModuleRule(
                            "bench",
                            union(PUBLIC_PACKAGES, Set.of("redis", "standalone", "engine.codec", "protocol", "json")),
                            PUBLIC_CLASSES));

    /** A module's rule: its own package (relative to io.courier) and what else it may reference. */
    record ModuleRule(String own, Set<String> packages, Set<String> classes) {
        boolean allows(String pkg, String type) {
            return pkg.equals(own)
                    || pkg.startsWith(own + ".")
                    || packages.contains(pkg)
                    || classes.contains(pkg + "." + type);
        }
    }

    @Test
    void corePackagesImportOnlyWhatTheLayeringAllows() throws IOException {
        Path main = ROOT.resolve(CORE).resolve("src/main/java/io/courier");
        List<String> violations = new ArrayList<>();
        for (Path file : javaFiles(main)) {
            String pkg = main.relativize(file.getParent()).toString().replace('/', '.');
            Set<String> allowed = CORE_PACKAGES.get(pkg);
            assertThat(allowed)
                    .as("package %s of %s is not listed in the layering rules", pkg, file)
                    .isNotNull();
            for (String[] ref : references(Files.readString(file))) {
                if (!ref[0].equals(pkg) && !allowed.contains(ref[0])) {
                    violations.add(file + " uses io.courier." + qualified(ref));
                }
            }
        }
        assertThat(violations).as("forbidden imports").isEmpty();
    }

    @Test
    void otherModulesUseOnlyThePublicApi() throws IOException {
        List<String> modules = modules();
        assertThat(modules).as("modules of %s", ROOT.resolve("pom.xml")).contains(CORE, "courier-server");
        List<String> violations = new ArrayList<>();
        for (String module : modules) {
            Path main = ROOT.resolve(module).resolve("src/main/java");
            if (module.equals(CORE) || !Files.isDirectory(main)) {
                continue;
            }
            ModuleRule rule = MODULES.get(module);
            assertThat(rule)
                    .as("module %s has main code but no layering rule", module)
                    .isNotNull();
            Path own = main.resolve("io/courier").resolve(rule.own().replace('.', '/'));
            for (Path file : javaFiles(main)) {
                if (!file.startsWith(own)) {
                    // a class in a core package would see its package-private members
                    violations.add(file + " is outside io.courier." + rule.own());
                }
                violations.addAll(violations(file.toString(), Files.readString(file), rule));
            }
        }
        assertThat(violations)
                .as("references to courier-core beyond its public API")
                .isEmpty();
    }

    @Test
    void theHubMayNotUseNettyJsonOrStoreImplementations() {
        ModuleRule hub = MODULES.get("courier-server");
        assertThat(violations(
                        "Hub.java",
                        "package io.courier.standalone;\nimport io.courier.netty.CourierHttpServer;\n",
                        hub))
                .containsExactly("Hub.java uses io.courier.netty.CourierHttpServer");
        assertThat(violations("Hub.java", "var x = io.courier.json.JsonCodec.mapper();", hub))
                .containsExactly("Hub.java uses io.courier.json.JsonCodec");
        assertThat(violations("Hub.java", "import io.courier.durable.JournalMessageStore;", hub))
                .containsExactly("Hub.java uses io.courier.durable.JournalMessageStore");
        assertThat(violations("Hub.java", "import static io.courier.engine.EngineIoCloseReason.FORCED_CLOSE;", hub))
                .containsExactly("Hub.java uses io.courier.engine.EngineIoCloseReason");
        assertThat(violations(
                        "Hub.java",
                        "import io.courier.Courier;\nimport io.courier.Middleware.Next;\nimport io.courier.http.HttpRoute;\n"
                                + "import io.courier.durable.Retention;\nimport io.courier.standalone.Main;\n",
                        hub))
                .isEmpty();
        assertThat(violations("Hub.java", "import io.courier.Courier;\nimport io.courier.internal.Ids;\n", hub))
                .containsExactly("Hub.java uses io.courier.internal.Ids");
    }

    @Test
    void theClusterModuleMayUseTheStoreSpisButNotTheirImplementations() {
        ModuleRule redis = MODULES.get("courier-redis");
        assertThat(violations(
                        "Redis.java",
                        "import io.courier.adapter.Adapter;\nimport io.courier.protocol.SocketIoPacket;\n"
                                + "import io.courier.durable.MessageStore;\nimport io.courier.recovery.RecoveryStore;\n",
                        redis))
                .isEmpty();
        assertThat(violations(
                        "Redis.java",
                        "import io.courier.durable.AbstractMessageStore;\nimport io.courier.journal.SegmentLog;\n",
                        redis))
                .containsExactly(
                        "Redis.java uses io.courier.durable.AbstractMessageStore",
                        "Redis.java uses io.courier.journal.SegmentLog");
    }

    @Test
    void theClientUsesNothingOfTheServer() {
        ModuleRule client = MODULES.get("courier-client");
        assertThat(violations(
                        "CourierClient.java",
                        "package io.courier.client;\nimport io.courier.client.Args;\nimport io.courier.Courier;\n"
                                + "import io.courier.engine.codec.EngineIoPacket;\n",
                        client))
                .containsExactly(
                        "CourierClient.java uses io.courier.Courier",
                        "CourierClient.java uses io.courier.engine.codec.EngineIoPacket");
    }

    @Test
    void theRuleSeesPackagesAndClasses() {
        List<String[]> refs = references("import io.courier.server.DefaultSocket;\nimport io.courier.Courier;\n"
                + "io.courier.engine.codec.EngineIoPacket.message(text)");
        assertThat(refs.stream().map(LayeringTest::qualified))
                .containsExactly("server.DefaultSocket", "Courier", "engine.codec.EngineIoPacket");
        assertThat(refs.get(1)[0]).isEmpty();
    }

    private static List<String> violations(String file, String source, ModuleRule rule) {
        List<String> out = new ArrayList<>();
        for (String[] ref : references(source)) {
            if (!rule.allows(ref[0], ref[1])) {
                out.add(file + " uses io.courier." + qualified(ref));
            }
        }
        return out;
    }

    /** Every io.courier class the source names, as {package relative to io.courier, class}. */
    private static List<String[]> references(String source) {
        List<String[]> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(source);
        while (m.find()) {
            String pkg = m.group(1);
            out.add(new String[] {pkg.isEmpty() ? "" : pkg.substring(0, pkg.length() - 1), m.group(2)});
        }
        return out;
    }

    private static String qualified(String[] ref) {
        return ref[0].isEmpty() ? ref[1] : ref[0] + "." + ref[1];
    }

    private static List<String> modules() throws IOException {
        List<String> out = new ArrayList<>();
        Matcher m = MODULE.matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (m.find()) {
            out.add(m.group(1).trim());
        }
        return out;
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
