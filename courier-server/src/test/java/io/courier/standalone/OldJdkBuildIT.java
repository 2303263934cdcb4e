package io.courier.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README, "Maven coordinates": {@code mvn install} under a JDK older than 21 stops at once with one sentence that says
 * what is needed, not with javac's "release version 21 not supported" after a download. Runs Maven on the root pom
 * (non-recursive, offline: the enforcer plugin is in this build's local repository, this build ran it) with an old
 * JDK from /usr/lib/jvm, where the project's machines keep JDK 17 as the default java.
 */
class OldJdkBuildIT {
    private static final Pattern RELEASE_VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    @Test
    void mavenUnderJava17SaysWhatItNeeds() throws Exception {
        Optional<Path> oldJdk = oldJdk();
        assumeThat(oldJdk).as("a JDK older than 21 under /usr/lib/jvm").isPresent();
        List<String> command = new ArrayList<>(List.of("mvn", "-B", "-N", "-o", "-q", "validate"));
        String repository = System.getProperty("courier.build.localRepository");
        if (repository != null) {
            command.add("-Dmaven.repo.local=" + repository); // where this build found the enforcer, whatever it is
        }
        ProcessBuilder pb =
                new ProcessBuilder(command).directory(Path.of("..").toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", oldJdk.get().toString());
        pb.environment().remove("MAVEN_OPTS"); // options for the build's own JDK, which an old one may not know
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isNotZero();
        assertThat(out)
                .contains("Courier needs a JDK 21 or newer to build, and Maven runs on Java ")
                .contains("Point JAVA_HOME at a JDK 21+")
                .doesNotContain("release version");
    }

    /** A JDK under /usr/lib/jvm whose {@code release} file says a version below 21. */
    private static Optional<Path> oldJdk() throws IOException {
        Path root = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(root)) {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/javac")))
                    .filter(h -> {
                        try {
                            Matcher m = RELEASE_VERSION.matcher(Files.readString(h.resolve("release")));
                            return m.find() && Integer.parseInt(m.group(1)) < 21;
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .findFirst();
        }
    }
}
