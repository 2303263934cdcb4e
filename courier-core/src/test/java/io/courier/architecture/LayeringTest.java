package io.courier.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Enforces the import rules of ARCHITECTURE.md ("Layering") on the main sources of courier-core. */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/io/courier");
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?io\\.courier\\.([a-z.]*?)\\.?[A-Z]", Pattern.MULTILINE);

    /** Package (relative to io.courier; "" is the root API) to the io.courier packages it may import. */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("engine.codec", Set.of()),
            Map.entry("protocol", Set.of()),
            Map.entry("internal", Set.of()),
            Map.entry("json", Set.of()),
            Map.entry("http", Set.of()),
            Map.entry("recovery", Set.of("journal", "json")),
            Map.entry("durable", Set.of("journal", "json")),
            Map.entry("metrics", Set.of("engine", "server", "durable", "journal")),
            Map.entry("journal", Set.of()),
            Map.entry("engine", Set.of("engine.codec", "internal")),
            Map.entry("netty", Set.of("engine", "engine.codec", "internal", "http")),
            Map.entry("conformance", Set.of("", "engine", "engine.codec", "netty")),
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
            Map.entry(
                    "",
                    Set.of(
                            "adapter",
                            "engine",
                            "engine.codec",
                            "netty",
                            "http",
                            "server",
                            "json",
                            "internal",
                            "recovery",
                            "durable",
                            "journal",
                            "metrics")));

    @Test
    void packagesImportOnlyWhatTheLayeringAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(file.getParent()).toString().replace('/', '.');
                Set<String> allowed = ALLOWED.get(pkg);
                assertThat(allowed)
                        .as("package %s of %s is not listed in the layering rules", pkg, file)
                        .isNotNull();
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg) && !allowed.contains(target)) {
                        violations.add(file + " imports io.courier." + target);
                    }
                }
            }
        }
        assertThat(violations).as("forbidden imports").isEmpty();
    }

    @Test
    void theRuleCatchesAForbiddenImport() {
        Matcher m = IMPORT.matcher("import io.courier.server.DefaultSocket;\nimport io.courier.Courier;\n");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("server");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEmpty();
    }
}
