package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What an application gets from Maven (README, "Maven coordinates"): every module the BOM lists is built with a
 * sources and a javadoc jar and names itself as a Java module (Automatic-Module-Name), no two modules share a package
 * (a split package cannot be on the module path), and every module that names itself a Java module is in the BOM.
 * Runs in courier-interop-tests, the last module of the reactor, so the other modules' jars are packaged.
 */
class PublishedArtifactsIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BOM_ENTRY = Pattern.compile("<artifactId>(courier-[a-z-]+)</artifactId>");
    private static final Pattern MODULE = Pattern.compile("<module>([a-z-]+)</module>");

    @Test
    void everyModuleTheBomListsIsAJavaModuleWithSourcesAndJavadoc() throws IOException {
        List<String> published = bom();
        assertThat(published).contains("courier-core", "courier-redis", "courier-server");

        Map<String, String> packageOwners = new HashMap<>();
        for (String module : published) {
            Path jar = artifact(module, "").orElseThrow(() -> new AssertionError(module + ": no jar in target/"));
            assertThat(artifact(module, "-sources")).as(module + " sources jar").isPresent();
            assertThat(artifact(module, "-javadoc")).as(module + " javadoc jar").isPresent();

            String declared = automaticModuleName(jar)
                    .orElseThrow(
                            () -> new AssertionError(module + ": no Automatic-Module-Name in " + jar.getFileName()));
            ModuleDescriptor descriptor =
                    ModuleFinder.of(jar).findAll().iterator().next().descriptor();
            assertThat(descriptor.name()).isEqualTo(declared);
            assertThat(descriptor.packages()).as(module + "'s packages").isNotEmpty();
            for (String pkg : descriptor.packages()) {
                String other = packageOwners.putIfAbsent(pkg, module);
                assertThat(other)
                        .as("package " + pkg + " is in " + other + " and " + module)
                        .isNull();
            }
        }
    }

    @Test
    void everyModuleThatNamesItselfAJavaModuleIsInTheBom() throws IOException {
        List<String> published = bom();
        for (String module : matches(MODULE, ROOT.resolve("pom.xml"))) {
            Optional<Path> jar = artifact(module, "");
            if (jar.isPresent() && automaticModuleName(jar.get()).isPresent()) {
                assertThat(published)
                        .as(module + " is a Java module: the BOM must list it")
                        .contains(module);
            }
        }
    }

    /** The artifacts in the BOM's dependencyManagement. */
    private static List<String> bom() throws IOException {
        String pom = Files.readString(ROOT.resolve("courier-bom/pom.xml"));
        return matches(BOM_ENTRY, pom.substring(pom.indexOf("<dependencyManagement>")));
    }

    private static List<String> matches(Pattern p, Path file) throws IOException {
        return matches(p, Files.readString(file));
    }

    private static List<String> matches(Pattern p, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** {@code <module>/target/<module>-<version><classifier>.jar}, the version being whatever the build made. */
    private static Optional<Path> artifact(String module, String classifier) throws IOException {
        Path target = ROOT.resolve(module).resolve("target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        Pattern name =
                Pattern.compile(Pattern.quote(module) + "-\\d[^-]*(-SNAPSHOT)?" + Pattern.quote(classifier) + "\\.jar");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> name.matcher(f.getFileName().toString()).matches())
                    .findFirst();
        }
    }

    private static Optional<String> automaticModuleName(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return Optional.ofNullable(j.getManifest())
                    .map(m -> m.getMainAttributes().getValue("Automatic-Module-Name"));
        }
    }
}
