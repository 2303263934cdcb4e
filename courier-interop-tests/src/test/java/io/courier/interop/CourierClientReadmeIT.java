package io.courier.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.courier.client.CourierClient;
import io.courier.interop.examples.DriverClient;
import io.courier.interop.support.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Java client" snippet is {@code examples/DriverClient.java}, and it works against the hub. */
class CourierClientReadmeIT {
    @TempDir
    Path data;

    @Test
    void theReadmeSnippetIsTheExampleAndItReceivesItsOwnPublish() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        Matcher section =
                Pattern.compile("(?s)\n## Java client\n.*?```java\n(.*?)```").matcher(readme);
        assertThat(section.find())
                .as("README has a Java client section with a java snippet")
                .isTrue();
        String example = Files.readString(Path.of("src/test/java/io/courier/interop/examples/DriverClient.java"));
        assertThat(section.group(1)).isEqualTo(example.replaceFirst("package [^;]+;\n\n", ""));

        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (ServerProcess hub = new ServerProcess(data)) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (CourierClient client = DriverClient.start("http://127.0.0.1:" + hub.port())) {
                // the delivery and the publish's answer may come in either order: wait for both
                List<String> expected =
                        List.of("connected, recovered: false", "stored as ", "pickup {\"parcel\":17} seq 1");
                for (int i = 0;
                        i < 600 && !expected.stream().allMatch(captured.toString(StandardCharsets.UTF_8)::contains);
                        i++) {
                    Thread.sleep(100);
                }
                assertThat(captured.toString(StandardCharsets.UTF_8)).contains(expected);
            }
        } finally {
            System.setOut(stdout);
        }
    }
}
