package dev.scale.providers.kinds.postgres;

import dev.scale.errors.ScaleException;
import dev.scale.providers.BinaryCache;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Programs;
import dev.scale.providers.Secret;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * PostgreSQL from zonky's binaries (this platform's only): {@code initdb} as UTF-8 with SCRAM
 * authentication and the instance's password, the contract's database created in single-user mode, then
 * the server on 127.0.0.1 with no Unix socket. As root, {@link Programs#rootless} runs both unprivileged.
 */
final class PostgresEmbedded implements EmbeddedRecipe {
    private final String version;

    PostgresEmbedded() {
        Properties p = new Properties();
        try (InputStream in = PostgresEmbedded.class.getResourceAsStream("binary.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String v = p.getProperty("version", "unknown");
        version = v.endsWith(".0") && v.chars().filter(c -> c == '.').count() == 2 ? v.substring(0, v.length() - 2) : v;
    }

    @Override
    public Optional<String> unavailable(Machine machine) {
        return Optional.empty(); // a platform without zonky's binaries is found when they are unpacked
    }

    @Override
    public String source() {
        return "PostgreSQL " + version + ", carried in scale's jar";
    }

    @Override
    public String version(Machine machine) {
        return version;
    }

    /**
     * A copy of the template (initdb once per version, kept in scale's cache), answering with the template's password
     * until {@link PostgresKind#TEMPLATE} adopts the instance's own.
     */
    @Override
    public List<String> prepare(Setup s) throws IOException, InterruptedException {
        Path home = home(s.machine().binaries());
        Programs programs = s.machine().programs();
        Path template = template(s, home, programs);
        Path data = s.dir().resolve("data");
        if (!takeSpare(template.resolve(SPARES), data)) {
            copy(template.resolve("data"), data, programs);
        }
        refillSpare(template, data, programs);
        List<String> server = new ArrayList<>(programs.rootless());
        server.addAll(List.of(home.resolve("bin/postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(s.endpoint().port()), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="));
        return server;
    }

    @Override
    public Optional<Secret> startsWith(Setup s) {
        Path home = home(s.machine().binaries());
        try {
            return Optional.of(Secret.of(Files.readString(template(s, home, s.machine().programs()).resolve("password"), StandardCharsets.UTF_8).strip()));
        } catch (IOException | InterruptedException e) {
            throw ScaleException.failure("cannot read the PostgreSQL template's password: " + e.getMessage(), e);
        }
    }

    /**
     * The template for this version, made on first use: initdb as the instance's would be (UTF-8, SCRAM, user and
     * database scale) with a password of its own, kept beside it (0600). Its name carries the server version and
     * {@link PostgresKind#TEMPLATE}'s format and locale, so a template made otherwise is never used.
     */
    private Path template(Setup s, Path home, Programs programs) throws IOException, InterruptedException {
        boolean utf8Locale = Files.isDirectory(Path.of("/usr/lib/locale/C.utf8"));
        String name = "postgres-" + version + "-" + BinaryCache.platform() + "." + PostgresKind.TEMPLATE.format() + (utf8Locale ? "-c.utf8" : "")
                + ".template";
        BinaryCache cache = s.machine().binaries();
        if (!Files.exists(cache.cacheDir().resolve(name).resolve("password"))) {
            s.progress().step(s.name(), "initialising a PostgreSQL template, once for this version (scale cache clear removes it)");
        }
        return cache.unpacked(name, "password", tmp -> {
                Secret password = Secret.random();
                try {
                    initdb(home, tmp, new Endpoint("127.0.0.1", 0, s.endpoint().username(), password, s.endpoint().database()), programs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                Files.deleteIfExists(tmp.resolve("server.log"));
                Files.writeString(Files.createFile(tmp.resolve("password"),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), password.reveal(), StandardCharsets.UTF_8);
            });
    }

    /** How a copy of the template's cluster is made, for an instance or a spare: see {@link #copy}. */
    private static final String CP = "cp -R -p --reflink=auto --sparse=always";

    /** Beside the template (and removed with it): copies of its cluster made ahead, each ready-* whole. */
    static final String SPARES = "spares";

    /**
     * Takes a spare copy of the template's cluster by renaming it into the instance: no copy to wait for. A rename is
     * atomic, so two scales never take the same one; false when there is none, or none that can be renamed here.
     */
    private static boolean takeSpare(Path spares, Path data) {
        List<Path> ready;
        try (var list = Files.list(spares)) {
            ready = list.filter(p -> p.getFileName().toString().startsWith("ready-")).toList();
        } catch (IOException e) {
            return false;
        }
        for (Path spare : ready) {
            try {
                Files.move(spare, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (java.nio.file.NoSuchFileException taken) {
                // another scale took it: the next one
            } catch (IOException e) {
                return false;   // another file system, say: copy
            }
        }
        return false;
    }

    /**
     * Makes the next spare, in the background and past this scale's exit, when none is ready: a copy written as tmp-*
     * and renamed ready-* once whole (a copy cut short by a reboot is removed by a later refill after 10 minutes). It
     * waits 2 s first, so as not to slow this instance's start. Only where the cache and the instances share a file
     * system (a spare is taken by renaming), and where cp copies sparse.
     */
    private static void refillSpare(Path template, Path data, Programs programs) {
        Path spares = template.resolve(SPARES);
        try {
            if (!programs.onPath("cp") || !Files.getFileStore(template).equals(Files.getFileStore(data.getParent()))) {
                return;
            }
            Files.createDirectories(spares, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        String script = "( sleep 2\n"
                + "  for r in \"$1\"/ready-*; do [ -d \"$r\" ] && exit 0; done\n"
                + "  find \"$1\" -maxdepth 1 -name 'tmp-*' -mmin +10 -exec rm -rf {} + 2>/dev/null\n"
                + "  t=\"$1/tmp-$$-$(date +%s%N)\"\n"
                + "  if " + CP + " \"$2\" \"$t\"; then mv \"$t\" \"$1/ready-${t##*/tmp-}\" || rm -rf \"$t\"; else rm -rf \"$t\"; fi\n"
                + ") </dev/null >/dev/null 2>&1 &\n";
        try {
            new ProcessBuilder("/bin/sh", "-c", script, "scale-spare", spares.toString(), template.resolve("data").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            // no spare: the next instance copies
        }
    }

    /**
     * Copies the template's cluster with {@code cp}: sparse (its WAL segment is nearly all zeros) and as a reflink where
     * the file system shares blocks; never hard links, which would let one instance write into another's files. A
     * watcher beside it stops it when this scale is gone (kill -9), so that no copy goes on writing into a directory
     * gc is removing. Java's copy where cp lacks those options. The paths are arguments, never shell text.
     */
    private static void copy(Path from, Path to, Programs programs) throws IOException, InterruptedException {
        if (programs.onPath("cp")) {
            String script = CP + " \"$1\" \"$2\" & c=$!\n"
                    + "( while kill -0 \"$3\" 2>/dev/null; do sleep 0.2; done; kill \"$c\" 2>/dev/null ) & w=$!\n"
                    + "wait \"$c\"; rc=$?; kill \"$w\" 2>/dev/null; exit \"$rc\"\n";
            Process cp = new ProcessBuilder("/bin/sh", "-c", script, "scale-copy", from.toString(), to.toString(),
                    Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
            String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (cp.waitFor() == 0) {
                return;
            }
            BinaryCache.deleteTree(to);
            if (!out.contains("unrecognized option") && !out.contains("illegal option")) {
                throw new IOException("cp failed: " + out.strip());
            }
        }
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private Path home(BinaryCache cache) {
        return cache.unpacked("postgres-" + version + "-" + BinaryCache.platform(), "bin/postgres", tmp -> {
            InputStream archive;
            try {
                archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(zonkySystem(), System.getProperty("os.arch"));
            } catch (RuntimeException e) {
                archive = null;
            }
            if (archive == null) {
                throw BinaryCache.unsupported("postgres");
            }
            BinaryCache.extractTxz(archive, tmp);
        });
    }

    private static void initdb(Path home, Path dir, Endpoint e, Programs programs) throws IOException, InterruptedException {
        Path log = dir.resolve("server.log");
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(Files.createFile(pwfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                e.password().reveal() + "\n", StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(programs.rootless());
        cmd.addAll(List.of(home.resolve("bin/initdb").toString(), "-D", dir.resolve("data").toString(), "-U", e.username(),
                "--pwfile=" + pwfile, "-A", "scram-sha-256", "-E", "UTF-8", "--no-instructions", "--no-sync"));
        if (Files.isDirectory(Path.of("/usr/lib/locale/C.utf8"))) {
            // A UTF-8 locale, as the official image's en_US.utf8, so that upper('é') is 'É'; C.UTF-8 is the one every
            // glibc system has (scale's own environment may name none: LANG is often unset in CI)
            cmd.add("--locale=C.UTF-8");
        }
        try {
            int rc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start().waitFor();
            if (rc != 0) {
                throw ScaleException.failure("initdb failed (exit " + rc + "): " + tail(log), null);
            }
        } catch (IOException ex) {
            throw ScaleException.environment("cannot run initdb: " + ex.getMessage(),
                    "the embedded PostgreSQL may not run on this platform; use --provider docker", ex);
        } finally {
            Files.deleteIfExists(pwfile);
        }
        // The database the contract names exists from the first connection on.
        List<String> single = new ArrayList<>(programs.rootless());
        single.addAll(List.of(home.resolve("bin/postgres").toString(), "--single", "-D", dir.resolve("data").toString(), "-jE", "postgres"));
        Process p = new ProcessBuilder(single).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().write(("CREATE DATABASE \"" + e.database() + "\" OWNER \"" + e.username() + "\";\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (p.waitFor() != 0) {
            throw ScaleException.failure("could not create database " + e.database() + ": " + tail(log), null);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "no log";
        }
    }

    private static String zonkySystem() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return os.contains("mac") ? "Darwin" : os.contains("linux") ? "Linux" : "Windows";
    }
}
