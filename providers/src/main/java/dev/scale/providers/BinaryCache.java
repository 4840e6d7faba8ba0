package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Server binaries the embedded provider runs, unpacked once from scale's own jar into
 * {@code $XDG_CACHE_HOME/scale/bin} and reused (a cache kept for speed; {@code scale cache clear} removes it).
 * Unpacking goes to a temporary directory renamed into place, under a file lock, so two scale
 * processes starting at once never see a half-unpacked tree. Which binaries, a kind's recipe says.
 */
public final class BinaryCache {
    private final Path root;

    public BinaryCache(Dirs dirs) {
        this.root = dirs.cache().resolve("bin");
    }

    public Path cacheDir() {
        return root;
    }

    /** Fills a fresh temporary directory with what belongs in the cached one. */
    public interface Unpacker {
        void into(Path tmp) throws IOException;
    }

    /** File locks exclude other processes only; this excludes other threads of this one. */
    private static final Object IN_PROCESS = new Object();

    /**
     * The cached directory {@code name} (e.g. {@code redis-6.2-linux-amd64}), unpacked by {@code unpacker} the
     * first time; returned at once when {@code ready} already exists in it.
     */
    public Path unpacked(String name, String ready, Unpacker unpacker) {
        Path dir = root.resolve(name);
        if (Files.exists(dir.resolve(ready))) {
            return dir;
        }
        unpack(dir, unpacker);
        return dir;
    }

    private void unpack(Path dir, Unpacker unpacker) {
        synchronized (IN_PROCESS) {
            unpackLocked(dir, unpacker);
        }
    }

    private void unpackLocked(Path dir, Unpacker unpacker) {
        Dirs.privateDir(root);
        try (FileChannel lockFile = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            if (Files.isDirectory(dir)) {
                return;
            }
            Path tmp = Files.createTempDirectory(root, ".unpack-");
            try {
                unpacker.into(tmp);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                deleteTree(tmp);
            } catch (IOException | RuntimeException e) {
                deleteTree(tmp);
                throw e;
            }
        } catch (IOException e) {
            throw ScaleException.environment("cannot unpack server binaries into " + root + ": " + e.getMessage(),
                    "check free disk space, or move the cache with SCALE_CACHE_DIR", e);
        }
    }

    /** The error for a platform this build carries no binaries for. */
    public static ScaleException unsupported(String what) {
        return ScaleException.environment("this build of scale carries no embedded " + what + " for " + platform(),
                "use --provider docker, or build scale on this platform (./scale builds it on first use)", null);
    }

    public static void extractTxz(InputStream archive, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("archive entry outside its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out);
                    boolean exec = (entry.getMode() & 0100) != 0 || entry.getName().startsWith("bin/");
                    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
    }

    /**
     * Removes a directory tree. Tolerates files vanishing under it (a dying initdb or server may still be
     * removing its own), and tries again a few times before giving up.
     */
    public static void deleteTree(Path dir) {
        IOException last = null;
        // A program still writing into it (cp or initdb of a start cut short by Ctrl-C) ends within seconds: walk again until then.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            try {
                Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
                        Files.deleteIfExists(file);
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (e instanceof java.nio.file.NoSuchFileException) {
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }
                        throw e;
                    }

                    @Override
                    public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                        Files.deleteIfExists(d);
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (java.nio.file.NoSuchFileException | java.nio.file.DirectoryNotEmptyException e) {
                last = e; // something changed under us: walk again
            } catch (IOException e) {
                last = e;
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw ScaleException.failure("cannot remove " + dir + ": " + (last == null ? "unknown error" : last.getMessage()), last);
        }
    }

    public static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        return (os.contains("mac") ? "darwin" : os.contains("linux") ? "linux" : os.replace(' ', '_'))
                + "-" + ("x86_64".equals(arch) ? "amd64" : arch);
    }

}
