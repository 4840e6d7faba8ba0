package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.docker.DockerApi;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scale on a Docker engine on "another machine", reached over SSH as a team's shared build host is: a container of
 * CI's {@code docker-host} image (Debian's docker.io and openssh-server) run privileged, with its own engine inside and
 * only its SSH port published, on 127.0.0.1. scale is given {@code DOCKER_HOST=ssh://root@127.0.0.1:PORT} and a key
 * (through {@code SCALE_SSH_CONFIG}); everything else is the machine's own OpenSSH client and the remote engine.
 */
class RemoteDockerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path keys;
    static DockerApi outer;
    static String remote;
    static int sshPort;

    private static String image(String kind) {
        String tag = System.getenv("SCALE_IMAGE_" + kind);
        if (tag == null) {
            fail("SCALE_IMAGE_" + kind + " is not set: run the tests as README says (.ci/build-images.sh builds it)");
        }
        return tag;
    }

    @BeforeAll
    static void startRemoteHost() throws Exception {
        outer = RequireDocker.engine().api();
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keys.resolve("id").toString()), null);
        String publicKey = Files.readString(keys.resolve("id.pub")).strip();
        ObjectNode body = JSON.createObjectNode();
        body.put("Image", image("DOCKER_HOST"));
        body.putArray("Env").add("SSH_AUTHORIZED_KEY=" + publicKey);
        body.putObject("Labels").put("dev.scale.test", "remote-docker");
        body.putObject("Volumes").putObject("/var/lib/docker"); // the inner engine's data on a volume: overlay2 works there
        body.putObject("ExposedPorts").putObject("22/tcp");
        ObjectNode host = body.putObject("HostConfig");
        host.put("Privileged", true);
        host.putObject("PortBindings").putArray("22/tcp").addObject().put("HostIp", "127.0.0.1").put("HostPort", "");
        // The inner engine publishes from a range of its own, above this machine's (32768-60999): on one machine, as
        // here, a port it publishes is then never one this machine's engine or a test already listens on, which the
        // forwarders' same port numbers on this side would meet; two real machines have no such overlap to avoid.
        host.putObject("Sysctls").put("net.ipv4.ip_local_port_range", "61000 61999");
        String name = "scale-test-remote-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        remote = outer.create(name, body);
        try {
            outer.start(remote);
        } catch (DockerApi.Failed e) {
            // an engine that may not grant every capability (this machine's lacks CAP_SYS_RESOURCE, so "privileged"
            // fails): what an engine inside needs, named, with the host's cgroups writable as privileged would make them
            outer.remove(remote);
            host.put("Privileged", false);
            var caps = host.putArray("CapAdd");
            List.of("SYS_ADMIN", "NET_ADMIN", "MKNOD", "SYS_MODULE", "SYS_PTRACE", "NET_RAW", "IPC_LOCK", "DAC_READ_SEARCH", "SYS_NICE")
                    .forEach(caps::add);
            host.putArray("SecurityOpt").add("seccomp=unconfined").add("apparmor=unconfined");
            host.putArray("Binds").add("/sys/fs/cgroup:/sys/fs/cgroup:rw");
            remote = outer.create(name, body);
            outer.start(remote);
        }
        JsonNode info = outer.inspect(remote);
        sshPort = Integer.parseInt(info.path("NetworkSettings").path("Ports").path("22/tcp").get(0).path("HostPort").asText());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (run(List.of("docker", "exec", remote, "docker", "info"), null) != 0) {
            if (System.nanoTime() > deadline) {
                fail("the remote host's engine did not start: " + outer.logTail(remote, 20));
            }
            Thread.sleep(500);
        }
        // no registry here either: the remote engine gets CI's stand-in images as a machine gets them from a registry
        Process save = new ProcessBuilder("docker", "save", image("REDIS"), image("POSTGRES")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Process load = new ProcessBuilder("docker", "exec", "-i", remote, "docker", "load").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream to = load.getOutputStream()) {
            save.getInputStream().transferTo(to);
        }
        assertThat(save.waitFor()).isZero();
        assertThat(load.waitFor()).isZero();
        Files.writeString(keys.resolve("config"), "Host *\n  IdentityFile " + keys.resolve("id") + "\n  IdentitiesOnly yes\n"
                + "  UserKnownHostsFile " + keys.resolve("known_hosts") + "\n  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n");
    }

    @AfterAll
    static void removeRemoteHost() {
        if (remote != null) {
            outer.remove(remote);
        }
    }

    /** Runs a command; its exit code. With {@code out}, its standard output goes there. */
    private static int run(List<String> command, StringBuilder out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (out != null) {
            out.append(text);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static String inside(String... command) throws Exception {
        List<String> all = new ArrayList<>(List.of("docker", "exec", remote));
        all.addAll(List.of(command));
        StringBuilder out = new StringBuilder();
        assertThat(run(all, out)).as(out.toString()).isZero();
        return out.toString();
    }

    private Map<String, String> env(Path home) {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "ssh://root@127.0.0.1:" + sshPort);
        env.put("SCALE_SSH_CONFIG", keys.resolve("config").toString());
        return env;
    }

    /** Waits up to 10 s for {@code processes} to be none; what is left then. */
    private static List<ProcessHandle> awaitNone(java.util.function.Supplier<List<ProcessHandle>> processes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!processes.get().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return processes.get();
    }

    /** The variables {@code scale env} exported. */
    private static Map<String, String> contract(Run envOut) {
        Map<String, String> contract = new HashMap<>();
        envOut.out().lines().filter(l -> l.startsWith("export ")).forEach(l -> {
            String[] kv = l.substring("export ".length()).split("=", 2);
            contract.put(kv[0], kv[1].replaceAll("^'|'$", ""));
        });
        return contract;
    }

    /** The ssh processes forwarding for this test's remote host: the instances' forwarders. */
    private static List<ProcessHandle> forwarders() {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(" -p " + sshPort + " ") && c.contains(" sleep ")).orElse(false))
                .toList();
    }

    @Test
    void upRedisAndPostgresOnTheRemoteEngineReachedThroughTheTunnelAndDownLeavesNothing(@TempDir Path home) throws Exception {
        Map<String, String> env = env(home);
        Run up = Run.of(env, "up", "redis", "postgres", "--ttl", "10m", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(up.err()).contains("forwarding 127.0.0.1:", "from ssh://root@127.0.0.1:" + sshPort);
        JsonNode started = JSON.readTree(up.out());
        try {
            // the containers are the remote engine's, published on its 127.0.0.1 only; this machine's engine has none
            String ports = inside("docker", "ps", "--filter", "label=dev.scale.managed=true", "--format", "{{.Names}} {{.Ports}}");
            assertThat(ports.lines().toList()).hasSize(2).allSatisfy(l -> assertThat(l).contains("127.0.0.1:").doesNotContain("0.0.0.0").doesNotContain(":::"));
            assertThat(outer.containers(Map.of("dev.scale.managed", "true"), null)).noneMatch(c -> c.path("Names").toString().contains("scale-redis"));
            assertThat(outer.inspect(remote).path("NetworkSettings").path("Ports").properties()).as("only SSH, on loopback")
                    .allSatisfy(p -> assertThat(p.getKey()).isEqualTo("22/tcp"));

            // the contract's addresses are this machine's 127.0.0.1, forwarded: real clients from it, in C (libpq, hiredis)
            Run envOut = Run.of(env, "env", "redis", "postgres");
            assertThat(envOut.code()).as(envOut.err()).isZero();
            Map<String, String> contract = contract(envOut);
            StringBuilder redis = new StringBuilder();
            assertThat(run(List.of("redis-cli", "-u", contract.get("REDIS_URL"), "--no-auth-warning", "SET", "over", "ssh"), redis)).as(redis.toString()).isZero();
            StringBuilder read = new StringBuilder();
            run(List.of("redis-cli", "-u", contract.get("REDIS_URL"), "--no-auth-warning", "GET", "over"), read);
            assertThat(read.toString().strip()).isEqualTo("ssh");
            StringBuilder pg = new StringBuilder();
            assertThat(run(List.of("psql", contract.get("DATABASE_URL"), "-tAc", "SELECT 'through ' || 'the tunnel'"), pg)).as(pg.toString()).isZero();
            assertThat(pg.toString().strip()).isEqualTo("through the tunnel");

            // the forwarders outlive up (they carry the clients above), one per container, recorded in scale's state
            assertThat(forwarders()).hasSize(2);
            Run ls = Run.of(env, "ls");
            assertThat(ls.out()).contains("redis", "postgres");
            assertThat(ls.err()).contains("ports of ssh://root@127.0.0.1:" + sshPort + " forwarded to 127.0.0.1 here: 2 forwarders (pid ");
        } finally {
            Run down = Run.of(env, "down", "--all");
            assertThat(down.code()).as(down.err()).isZero();
        }
        assertThat(inside("docker", "ps", "-aq", "--filter", "label=dev.scale.managed=true").strip()).isEmpty();
        assertThat(awaitNone(RemoteDockerTest::forwarders)).as("down stops the forwarders").isEmpty();
        assertThat(started.size()).isEqualTo(2);
    }

    @Test
    void aForwarderGoneIsStartedAgainByEnvAndGcStopsOnesWhoseContainerWentOutsideScale(@TempDir Path home) throws Exception {
        Map<String, String> env = env(home);
        Run up = Run.of(env, "up", "redis", "--name", "r", "--ttl", "10m");
        assertThat(up.code()).as(up.err()).isZero();
        try {
            forwarders().forEach(ProcessHandle::destroy); // as a reboot of this machine would
            awaitNone(RemoteDockerTest::forwarders);
            Run again = Run.of(env, "env", "r");
            assertThat(again.code()).as(again.err()).isZero();
            String url = again.out().lines().filter(l -> l.startsWith("export REDIS_URL=")).findFirst().orElseThrow()
                    .substring("export REDIS_URL=".length()).replaceAll("^'|'$", "");
            StringBuilder pong = new StringBuilder();
            run(List.of("redis-cli", "-u", url, "--no-auth-warning", "PING"), pong);
            assertThat(pong.toString().strip()).isEqualTo("PONG");
            assertThat(forwarders()).hasSize(1);

            inside("docker", "rm", "-f", "scale-r"); // removed on the remote machine by someone else
            Run gc = Run.of(env, "gc");
            assertThat(gc.code()).as(gc.err()).isZero();
            assertThat(forwarders()).as("gc stops a forwarder whose container is gone").isEmpty();
            assertThat(home.resolve("state/tunnels")).satisfies(dir -> {
                try (var all = Files.walk(dir)) {
                    assertThat(all.filter(Files::isRegularFile)).isEmpty();
                }
            });
        } finally {
            Run.of(env, "down", "--all");
        }
    }

    @Test
    void runGivesItsChildTheTunnelledContractAndTakesEverythingAwayAfter(@TempDir Path home) throws IOException {
        Map<String, String> env = env(home);
        Path answer = home.resolve("answer");
        env.put("ANSWER", answer.toString());
        // the child's output is its own (inherited), so it leaves its answer in a file
        Run run = Run.of(env, "run", "--with", "redis", "--", "sh", "-c", "redis-cli -u \"$REDIS_URL\" --no-auth-warning PING > \"$ANSWER\"");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(Files.readString(answer).strip()).isEqualTo("PONG");
        assertThat(forwarders()).isEmpty();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * The contract through the forwarding, for another ecosystem: node-postgres (DATABASE_URL, then the PG* variables
     * alone) and node-redis from npm, as ContractNodeTest runs them locally, under `run` over each transport.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"ssh", "tls"})
    void nodeClientsFromNpmReachTheInstancesThroughTheForwarding(String transport, @TempDir Path home) throws Exception {
        Path script = Path.of("src/test/node/contract.js").toAbsolutePath();
        if (!Files.isDirectory(script.resolveSibling("node_modules/pg"))) {
            fail("no node_modules beside " + script + ": run npm ci there (.ci/run does)");
        }
        Map<String, String> env = transport.equals("ssh") ? env(home) : tlsEnv(home);
        Path answer = home.resolve("answer.json");
        env.put("ANSWER", answer.toString());
        env.put("SCRIPT", script.toString());
        // the child's output is its own (inherited), so it leaves its answer in a file
        Run run = Run.of(env, "run", "--with", "postgres,redis", "--", "sh", "-c", "node \"$SCRIPT\" through-the-tunnel > \"$ANSWER\"");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode out = JSON.readTree(Files.readString(answer));
        assertThat(out.at("/postgres/text").asText()).isEqualTo("through-the-tunnel");
        assertThat(out.at("/postgres/encoding").asText()).isEqualTo("UTF8");
        assertThat(out.at("/postgres/database").asText()).as("the PG* variables alone").isEqualTo("scale");
        assertThat(out.at("/redis/text").asText()).isEqualTo("through-the-tunnel");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        assertThat(inside("docker", "ps", "-aq", "--filter", "label=dev.scale.managed=true").strip()).isEmpty();
        assertThat(awaitNone(transport.equals("ssh") ? RemoteDockerTest::forwarders : RemoteDockerTest::relays))
                .as("nothing forwards once run is over").isEmpty();
    }

    /** The engine over TCP with TLS, as Docker's "protect the daemon socket" guide sets one up: this client's certificates. */
    private Map<String, String> tlsEnv(Path home) throws Exception {
        Path certs = home.resolve("docker-certs");
        Files.createDirectories(certs);
        for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(certs.resolve(f), inside("cat", "/certs/client/" + f));
        }
        Files.setPosixFilePermissions(certs.resolve("key.pem"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        // the remote machine's own address on its network, as a team's shared host has one: nothing is published for it
        String address = outer.inspect(remote).path("NetworkSettings").path("IPAddress").asText();
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "tcp://" + address + ":2376");
        env.put("DOCKER_TLS_VERIFY", "1");
        env.put("DOCKER_CERT_PATH", certs.toString());
        return env;
    }

    /** The relays for this test's TLS engine: the instances' forwarders. */
    private static List<ProcessHandle> relays() {
        return ProcessHandle.allProcesses().filter(p -> commandLine(p).contains("docker.ExecForwarder ")).toList();
    }

    /** A process's whole command line (ProcessHandle's is cut short: a class path is long). */
    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    @Test
    void overTlsTheEnginesOwnApiCarriesTheInstancesBytesAndDownLeavesNothing(@TempDir Path home) throws Exception {
        Map<String, String> env = tlsEnv(home);
        Run up = Run.of(env, "up", "redis", "postgres", "--ttl", "10m");
        if (up.code() != 0) { // with the remote containers' own logs, whole: a failure here is on the other machine
            fail(up.err() + inside("sh", "-c", "for c in $(docker ps -aq); do docker logs $c 2>&1 | tail -60; done"));
        }
        assertThat(up.err()).contains("forwarding 127.0.0.1:", "from " + env.get("DOCKER_HOST"));
        try {
            String ports = inside("docker", "ps", "--filter", "label=dev.scale.managed=true", "--format", "{{.Names}} {{.Ports}}");
            assertThat(ports.lines().toList()).hasSize(2).allSatisfy(l -> assertThat(l).contains("127.0.0.1:").doesNotContain("0.0.0.0").doesNotContain(":::"));

            Run envOut = Run.of(env, "env", "redis", "postgres");
            assertThat(envOut.code()).as(envOut.err()).isZero();
            Map<String, String> contract = contract(envOut);
            assertThat(contract.get("REDIS_URL")).contains("@127.0.0.1:");
            // real clients in C (hiredis, libpq), through the relay: a value bigger than one frame, and a query
            StringBuilder set = new StringBuilder();
            assertThat(run(List.of("sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x | redis-cli -u \"$1\" --no-auth-warning -x SET over", "sh",
                    contract.get("REDIS_URL")), set)).as(set.toString()).isZero();
            StringBuilder len = new StringBuilder();
            run(List.of("redis-cli", "-u", contract.get("REDIS_URL"), "--no-auth-warning", "STRLEN", "over"), len);
            assertThat(len.toString().strip()).isEqualTo("200000");
            StringBuilder pg = new StringBuilder();
            assertThat(run(List.of("psql", contract.get("DATABASE_URL"), "-tAc", "SELECT count(*) FROM generate_series(1, 50000)"), pg))
                    .as(pg.toString()).isZero();
            assertThat(pg.toString().strip()).isEqualTo("50000");
            assertThat(relays()).as("one relay process for the engine, outliving up").hasSize(1);
            assertThat(relays()).allSatisfy(p -> assertThat(commandLine(p)).doesNotContain(contract.get("REDIS_URL")));

            // gone (a reboot of this machine): ls starts it again
            relays().forEach(ProcessHandle::destroy);
            awaitNone(RemoteDockerTest::relays);
            Run ls = Run.of(env, "ls");
            assertThat(ls.out()).contains("redis", "postgres");
            assertThat(ls.err()).contains("forwarded to 127.0.0.1 here: 2 instances by one forwarder (pid ");
            StringBuilder pong = new StringBuilder();
            run(List.of("redis-cli", "-u", contract.get("REDIS_URL"), "--no-auth-warning", "PING"), pong);
            assertThat(pong.toString().strip()).isEqualTo("PONG");

            // the same engine reached over SSH as well, from this machine: its ports are forwarded here already (by the
            // relay), which a listing over SSH leaves as it is rather than fail (found by bench/tunnels.sh)
            Run overSsh = Run.of(env(home), "ls");
            assertThat(overSsh.code()).as(overSsh.err()).isZero();
            assertThat(overSsh.out()).contains("redis", "postgres");
            assertThat(forwarders()).as("no ssh forwarder for ports the relay holds").isEmpty();
        } finally {
            Run down = Run.of(env, "down", "--all");
            assertThat(down.code()).as(down.err()).isZero();
        }
        assertThat(inside("docker", "ps", "-aq", "--filter", "label=dev.scale.managed=true").strip()).isEmpty();
        assertThat(awaitNone(RemoteDockerTest::relays)).as("down stops the relays").isEmpty();
    }

    @Test
    void badRemoteAddressesAreOneLine(@TempDir Path home) {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "tcp://192.0.2.1:2375");
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "docker"), 2, "plain TCP to another machine", "ssh://USER@192.0.2.1");
        env.put("DOCKER_HOST", "ssh://root@127.0.0.1:" + sshPort);
        env.put("SCALE_SSH_CONFIG", keys.resolve("config").toString());
        env.put("HOME", home.toString());
        // a key the remote host does not know: ssh's own refusal, in one line, and nothing asked for
        Path wrong = home.resolve("wrong");
        try {
            Files.writeString(wrong, Files.readString(keys.resolve("config")).replace(keys.resolve("id").toString(), home.resolve("nokey").toString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        env.put("SCALE_SSH_CONFIG", wrong.toString());
        Run refused = Run.of(env, "up", "redis", "--provider", "docker");
        Run.assertOneLine(refused, 3, "ssh://root@127.0.0.1:" + sshPort, "Permission denied");
        env.put("DOCKER_HOST", "ssh://-oProxyCommand=touch@evil");
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "docker"), 2, "not an SSH address scale can use");
    }
}
