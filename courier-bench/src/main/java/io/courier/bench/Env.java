package io.courier.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the harness finds the peers: this module's class path (raw ceiling, Courier), the class path of the
 * netty-socketio peer (its own Maven project on Netty 4.1, {@code -Dbench.nsio.classpath=FILE} naming a file that
 * holds it), the Node peer's directory ({@code -Dbench.node.dir}) and the binaries.
 */
public record Env(String java, String node, Path nodeDir, String classpath, Path nsioClasspathFile, Path outDir) {
    static Env fromSystemProperties() {
        String javaHome = System.getProperty("java.home");
        return new Env(
                Path.of(javaHome, "bin", "java").toString(),
                System.getProperty("bench.node", "node"),
                Path.of(System.getProperty("bench.node.dir", "courier-bench/src/main/node")),
                System.getProperty("java.class.path"),
                Path.of(System.getProperty(
                        "bench.nsio.classpath", "courier-bench/peers/netty-socketio/target/peer.classpath")),
                Path.of(System.getProperty("bench.out", "courier-bench/target/bench")));
    }

    String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }

    /** The netty-socketio peer's class path: its classes, then its dependencies. */
    String nettySocketIoClasspath() {
        try {
            Path project = nsioClasspathFile.getParent().getParent();
            return project.resolve("target/classes")
                    + File.pathSeparator
                    + Files.readString(nsioClasspathFile).trim();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the netty-socketio peer is not built (" + nsioClasspathFile + " missing);"
                            + " ./courier bench builds it",
                    e);
        }
    }
}
