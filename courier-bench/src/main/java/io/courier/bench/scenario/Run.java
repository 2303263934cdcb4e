package io.courier.bench.scenario;

import io.courier.bench.CpuMeter;
import io.courier.bench.PeerProcess;
import io.courier.bench.ServerKind;
import io.courier.bench.client.LoadGen;
import java.util.List;

/** One scenario against one server in one round: what the scenario gets from the harness. */
public interface Run {
    ServerKind server();

    LoadGen loadGen();

    /** Starts a fresh peer process of {@link #server()} (stopped by the harness when the run ends). */
    PeerProcess start(List<String> extraArgs) throws Exception;

    /** A CPU meter over the given peers, started now. */
    default CpuMeter cpu(PeerProcess... peers) {
        return CpuMeter.start(List.of(peers));
    }

    /** Prints a progress line for the current phase. */
    void progress(String message);

    /** Records one figure (key: {@code <scenario>.<metric>}). */
    void metric(String key, double value);

    /** A temporary directory for this run (removed afterwards). */
    java.nio.file.Path tempDir() throws java.io.IOException;
}
