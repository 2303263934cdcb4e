package io.courier.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One running peer server: its own process, pinned with {@code taskset} to the server CPU, started on a free port and
 * stopped by its PID (also when the harness fails or is interrupted: a shutdown hook stops whatever is still running).
 * Reads the process's CPU time from {@code /proc/<pid>/stat} and its RSS from {@code /proc/<pid>/status}; forces a full
 * GC with {@code jcmd GC.run} (JVM) or SIGUSR2 (the Node peer calls {@code global.gc()}).
 */
public final class PeerProcess implements AutoCloseable {
    private static final Set<PeerProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    /** USER_HZ: the unit of utime and stime in /proc (100 on every Linux this runs on). */
    public static final double TICK_SECONDS = 0.01;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(PeerProcess::close)));
    }

    public final ServerKind kind;
    public final int port;
    private final Process process;
    private final Env env;
    final Path log;

    private PeerProcess(ServerKind kind, int port, Process process, Env env, Path log) {
        this.kind = kind;
        this.port = port;
        this.process = process;
        this.env = env;
        this.log = log;
    }

    /** Starts {@code kind} pinned to {@code cpu} (null: not pinned) and waits until its port accepts connections. */
    static PeerProcess start(ServerKind kind, Env env, String cpu, List<String> extra, Path log) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        if (cpu != null) {
            cmd.addAll(List.of("taskset", "-c", cpu));
        }
        cmd.addAll(kind.command(env, port, extra));
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PeerProcess peer = new PeerProcess(kind, port, p, env, log);
        RUNNING.add(peer);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!p.isAlive()) {
                peer.close();
                throw new IOException(kind.id + " exited with " + p.exitValue() + " before listening; log: " + log
                        + "\n" + tail(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return peer;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    peer.close();
                    throw new IOException(kind.id + " did not listen on " + port + " within 60 s; log: " + log);
                }
                sleep(50);
            }
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** CPU time in ticks: {user, system}. */
    public long[] cpuTicks() {
        return procStat(process.pid());
    }

    /**
     * CPU ticks (user + system) of the JVM's JIT compiler threads ({@code C1 CompilerThread<n>}, {@code C2
     * CompilerThread<n>}; 0 for Node, whose compilers share their threads with its GC). A compiler thread that the JVM
     * ends between two readings takes its ticks with it, so this can only under-count.
     */
    public long jitTicks() {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return sum;
    }

    public static long[] procStat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** Resident set size in KiB. */
    public long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return -1;
    }

    /** A full GC, then a short pause for the heap to settle (and Node's RSS with it). */
    public void fullGc() throws IOException, InterruptedException {
        if (kind.jvm) {
            jcmd("GC.run");
        } else {
            new ProcessBuilder("kill", "-USR2", Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        }
        Thread.sleep(300);
    }

    /** The used heap in KiB after the last GC (JVM peers; -1 for Node). */
    public long heapUsedKiB() throws IOException, InterruptedException {
        if (!kind.jvm) {
            return -1;
        }
        Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process j = new ProcessBuilder(env.jcmd(), Long.toString(process.pid()), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(j.getInputStream().readAllBytes());
        if (!j.waitFor(30, TimeUnit.SECONDS)) {
            j.destroyForcibly();
        }
        return out;
    }

    /** Stops the process by its PID: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        RUNNING.remove(this);
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
