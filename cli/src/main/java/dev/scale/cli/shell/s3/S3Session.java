package dev.scale.cli.shell.s3;

import dev.scale.cli.shell.MetaWords;
import dev.scale.cli.shell.CommandSession;
import dev.scale.cli.shell.Usage;
import dev.scale.providers.Instance;
import dev.scale.providers.kinds.s3.S3Clients;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * An S3 object store in the shell, in the AWS CLI's words: ls (grouped by {@code /} as {@code aws s3 ls} prints it),
 * put and get (streamed, multipart above 8 MiB), cat, stat, rm, presign, mb, rb, buckets, use. Keys are in the current
 * bucket (the instance's at the start) unless written {@code s3://BUCKET/KEY}; local paths are relative to the
 * shell's directory (an init file's own directory under {@code scale run --init}). Errors are one {@code ERROR} line
 * in S3's own words, and the shell goes on.
 */
final class S3Session implements CommandSession {
    /** The commands, with their usage; also the words completion offers first. */
    static final Map<String, String> COMMANDS = Map.ofEntries(
            Map.entry("ls", "ls [-r] [PREFIX | s3://BUCKET/PREFIX | s3://]"),
            Map.entry("buckets", "buckets"),
            Map.entry("put", "put LOCAL-FILE [KEY | KEY-PREFIX/ | s3://BUCKET/KEY]"),
            Map.entry("get", "get KEY [LOCAL-FILE | LOCAL-DIRECTORY]"),
            Map.entry("cat", "cat KEY"),
            Map.entry("stat", "stat KEY"),
            Map.entry("rm", "rm KEY..."),
            Map.entry("presign", "presign KEY [SECONDS]"),
            Map.entry("mb", "mb BUCKET"),
            Map.entry("rb", "rb BUCKET [--force]"),
            Map.entry("use", "use BUCKET"),
            Map.entry("help", "help"));
    /** What {@code cat} prints at most: a terminal is no place for a whole large object. */
    static final int CAT_BYTES = 256 * 1024;
    /** S3's limit on a key: 1024 bytes of UTF-8. */
    private static final int KEY_BYTES = 1024;
    /** A presigned URL's default life, and S3's longest (seven days, for signature V4). */
    private static final long PRESIGN_SECONDS = 3600;
    private static final long PRESIGN_MAX_SECONDS = 7 * 24 * 3600;
    /** How many keys completion offers, and how long a listing is reused (Tab pressed again, or on the next word). */
    private static final int COMPLETION_KEYS = 1000;
    private static final long COMPLETION_MILLIS = 5000;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final String NO_SUCH_KEY = "NoSuchKey: The specified key does not exist.";
    private static final String NO_SUCH_BUCKET = "NoSuchBucket: The specified bucket does not exist";

    private final Instance instance;
    private final S3Client s3;
    private final S3Presigner presigner;
    /** Where relative local paths are read and written. */
    private final Path local;
    private String bucket;
    private volatile boolean cancelled;
    private List<String> keysSeen = List.of();
    private String keysOf = "";
    private long keysAt;
    private List<String> bucketsSeen = List.of();
    private long bucketsAt;

    /** Connects with the contract's key (a ListBuckets): an unreachable server or a refused key is an exit-3 line. */
    S3Session(Instance instance, Path local) {
        this.instance = instance;
        this.local = local;
        this.s3 = S3Clients.connect(instance.endpoint());
        this.presigner = S3Clients.presigner(instance.endpoint());
        this.bucket = instance.endpoint().database();
    }

    @Override
    public Instance instance() {
        return instance;
    }

    /** A command that cannot be done as asked, for a reason that is not its usage (a missing file, a bad key). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A command stopped by Ctrl-C. */
    private static final class Cancelled extends IOException {
        private static final long serialVersionUID = 1L;
    }

    @Override
    public void execute(String input, PrintWriter out, PrintWriter err) {
        cancelled = false;
        try {
            run(input, out, err);
        } catch (Refused e) {
            out.println("ERROR " + e.getMessage());
        } catch (Cancelled e) {
            out.println("(interrupted)");
        } catch (SdkException | IOException | java.io.UncheckedIOException e) {
            out.println(cancelled ? "(interrupted)" : "ERROR " + S3Clients.reason(e));
        } catch (java.nio.file.InvalidPathException e) {
            out.println("ERROR not a local path: " + e.getMessage());
        }
        out.flush();
        err.flush();
    }

    /** Runs one typed command, printing what it gives. */
    void run(String input, PrintWriter out, PrintWriter err) throws IOException, Refused {
        List<String> w = MetaWords.split(input);
        if (w.isEmpty()) {
            return;
        }
        String cmd = w.get(0).toLowerCase(Locale.ROOT);
        String usage = COMMANDS.get(cmd);
        if (usage == null) {
            out.println("ERROR unknown command '" + w.get(0) + "'; commands: " + String.join(", ", words()));
            return;
        }
        List<String> a = w.subList(1, w.size());
        try {
            switch (cmd) {
                case "ls" -> ls(a, out, err);
                case "buckets" -> {
                    Usage.need(a.isEmpty());
                    buckets(out);
                }
                case "put" -> {
                    Usage.need(a.size() == 1 || a.size() == 2);
                    put(a.get(0), a.size() == 2 ? a.get(1) : "", out);
                }
                case "get" -> {
                    Usage.need(a.size() == 1 || a.size() == 2);
                    get(a.get(0), a.size() == 2 ? a.get(1) : null, out);
                }
                case "cat" -> {
                    Usage.need(a.size() == 1);
                    cat(object(a.get(0)), out, err);
                }
                case "stat" -> {
                    Usage.need(a.size() == 1);
                    stat(object(a.get(0)), out);
                }
                case "rm" -> {
                    Usage.need(!a.isEmpty());
                    rm(a, out);
                }
                case "presign" -> {
                    Usage.need(a.size() == 1 || a.size() == 2);
                    presign(object(a.get(0)), a.size() == 2 ? seconds(a.get(1)) : PRESIGN_SECONDS, out, err);
                }
                case "mb" -> {
                    Usage.need(a.size() == 1);
                    String name = bucketName(a.get(0));
                    s3.createBucket(b -> b.bucket(name));
                    bucketsAt = 0;
                    out.println("made bucket s3://" + name);
                }
                case "rb" -> rb(a, out);
                case "use" -> {
                    Usage.need(a.size() == 1);
                    String name = bucketName(a.get(0));
                    headBucket(name);
                    bucket = name;
                    out.println("using bucket s3://" + name);
                }
                default -> {
                    Usage.need(a.isEmpty());
                    help(out);
                }
            }
        } catch (Usage e) {
            out.println("ERROR " + e.getMessage() + "; usage: " + usage);
        }
    }

    /** A bucket and a key, as typed: relative to the current bucket, or {@code s3://BUCKET/KEY}. */
    record Location(String bucket, String key) {
        String url() {
            return "s3://" + bucket + "/" + key;
        }

        /** The key's last segment, as a file name. */
        String name() {
            return key.substring(key.lastIndexOf('/') + 1);
        }
    }

    private Location location(String typed) {
        if (typed.startsWith("s3://")) {
            String rest = typed.substring(5);
            int slash = rest.indexOf('/');
            return slash < 0 ? new Location(rest, "") : new Location(rest.substring(0, slash), rest.substring(slash + 1));
        }
        return new Location(bucket, typed);
    }

    /** A location that names one object: a key S3 would take, checked before anything is sent. */
    private Location object(String typed) throws Refused {
        Location at = location(typed);
        if (at.bucket().isEmpty()) {
            throw new Refused("no bucket in " + typed + "; write s3://BUCKET/KEY");
        }
        checkKey(at.key());
        return at;
    }

    private static void checkKey(String key) throws Refused {
        if (key.isEmpty()) {
            throw new Refused("an empty key names no object");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > KEY_BYTES) {
            throw new Refused("KeyTooLongError: Your key is too long (" + bytes + " bytes of UTF-8; S3 takes up to " + KEY_BYTES + ")");
        }
    }

    private static String bucketName(String typed) throws Refused {
        String name = typed.startsWith("s3://") ? typed.substring(5) : typed;
        name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (name.isEmpty() || name.contains("/")) {
            throw new Refused("'" + typed + "' is not a bucket name");
        }
        return name;
    }

    // ---- listing

    /** As {@code aws s3 ls}: prefixes ("directories") first as {@code PRE name/}, then keys with time and size, names below the prefix's last '/'. */
    private void ls(List<String> a, PrintWriter out, PrintWriter err) throws Usage, Cancelled {
        List<String> args = new ArrayList<>(a);
        boolean recursive = args.remove("-r") | args.remove("--recursive");
        Usage.need(args.size() <= 1);
        String typed = args.isEmpty() ? "" : args.get(0);
        if (typed.equals("s3://") || typed.equals("s3:")) {
            buckets(out);
            return;
        }
        Location at = location(typed);
        String prefix = at.key();
        int shown = 0;
        String token = null;
        do {
            checkCancelled();
            String page = token;
            ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(at.bucket()).prefix(prefix).delimiter(recursive ? null : "/").continuationToken(page));
            String parent = prefix.substring(0, prefix.lastIndexOf('/') + 1);
            for (CommonPrefix p : r.commonPrefixes()) {
                out.println(String.format(Locale.ROOT, "%30s %s", "PRE", p.prefix().substring(parent.length())));
                shown++;
            }
            for (S3Object o : r.contents()) {
                String name = recursive ? o.key() : o.key().substring(parent.length());
                out.println(WHEN.format(o.lastModified()) + " " + String.format(Locale.ROOT, "%10d", o.size()) + " " + name);
                shown++;
            }
            out.flush();
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        if (shown == 0) {
            err.println("(no keys under " + at.url() + ")");
        }
    }

    private void buckets(PrintWriter out) {
        List<Bucket> all = s3.listBuckets().buckets();
        for (Bucket b : all) {
            out.println(WHEN.format(b.creationDate()) + " " + b.name());
        }
        bucketsSeen = all.stream().map(Bucket::name).toList();
        bucketsAt = System.currentTimeMillis();
    }

    // ---- objects

    /** Streams a local file up, in parts above 8 MiB: memory stays at one part whatever the file's size. */
    private void put(String file, String typedKey, PrintWriter out) throws IOException, Refused {
        Path path = local.resolve(file);
        // under an init file, the path as resolved: "no file seed/x" says where it was looked for
        long size = readable(path, local.toString().isEmpty() ? file : path.toString());
        Location at = typedKey.isEmpty() ? new Location(bucket, path.getFileName().toString()) : location(typedKey);
        if (at.key().isEmpty() || at.key().endsWith("/")) {
            at = new Location(at.bucket(), at.key() + path.getFileName());
        }
        Location to = at;
        if (to.bucket().isEmpty()) {
            throw new Refused("no bucket in " + typedKey + "; write s3://BUCKET/KEY");
        }
        checkKey(to.key());
        try (InputStream in = new Interruptible(Files.newInputStream(path))) {
            S3Clients.upload(s3, to.bucket(), to.key(), in, size);
        } catch (RuntimeException | IOException e) {
            if (cancelled) {
                throw new Cancelled();
            }
            throw e;
        }
        keysAt = 0;
        long parts = size <= S3Clients.PART_BYTES ? 1 : (size + S3Clients.PART_BYTES - 1) / S3Clients.PART_BYTES;
        out.println("stored " + file + " as " + to.url() + " (" + CommandSession.count(size, "byte") + (parts > 1 ? ", " + parts + " parts" : "") + ")");
    }

    /** The size of a local file that can be read, or why not in one line. */
    private static long readable(Path path, String typed) throws Refused {
        if (Files.isDirectory(path)) {
            throw new Refused("cannot read " + typed + ": Is a directory");
        }
        try (InputStream probe = Files.newInputStream(path)) {
            return Files.size(path);
        } catch (NoSuchFileException e) {
            throw new Refused("no file " + typed);
        } catch (AccessDeniedException e) {
            throw new Refused("cannot read " + typed + ": Permission denied");
        } catch (IOException e) {
            throw new Refused("cannot read " + typed + ": " + e.getMessage());
        }
    }

    /**
     * Streams an object down into a temporary file beside the target, moved into place once whole: a download that
     * fails or is interrupted leaves no half file.
     */
    private void get(String typedKey, String typedFile, PrintWriter out) throws IOException, Refused {
        Location from = object(typedKey);
        String shown = typedFile == null ? from.name() : typedFile;
        Path target = local.resolve(shown);
        if (typedFile == null && from.name().isEmpty()) {
            throw new Refused("the key " + from.key() + " has no file name; name the local file: get KEY LOCAL-FILE");
        }
        if (Files.isDirectory(target)) {
            if (from.name().isEmpty()) {
                throw new Refused("the key " + from.key() + " has no file name; name the local file: get KEY LOCAL-FILE");
            }
            target = target.resolve(from.name());
            shown = Path.of(shown).resolve(from.name()).toString();
        }
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new Refused("no directory " + dir);
        }
        Path part;
        try {
            // not createTempFile, whose 0600 the finished file would keep: the user's umask decides, as for any file made
            part = Files.createFile(dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part"));
        } catch (AccessDeniedException e) {
            throw new Refused("cannot write " + shown + ": Permission denied");
        }
        long size = 0;
        try {
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(from.bucket()).key(from.key()));
                    OutputStream o = Files.newOutputStream(part)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (cancelled) {
                        in.abort(); // the rest is not read: the connection is dropped, not drained
                        throw new Cancelled();
                    }
                    o.write(buffer, 0, n);
                    size += n;
                }
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
        out.println("saved " + from.url() + " to " + shown + " (" + CommandSession.count(size, "byte") + ")");
    }

    /** The body as text when it is UTF-8 text, else its size; at most {@link #CAT_BYTES} of it, and says so. */
    private void cat(Location at, PrintWriter out, PrintWriter err) throws IOException {
        byte[] head;
        long size;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(at.bucket()).key(at.key()))) {
            size = in.response().contentLength();
            head = in.readNBytes((int) Math.min(size, CAT_BYTES));
            if (size > head.length) {
                in.abort();
            }
        }
        String text = text(head, size > head.length);
        if (text == null) {
            out.println("(" + CommandSession.count(size, "byte") + ", not text)");
            return;
        }
        if (size == 0) {
            out.println("(0 bytes)");
            return;
        }
        out.print(text);
        if (!text.endsWith("\n")) {
            out.println();
        }
        if (size > head.length) {
            out.flush();
            err.println("(the first " + head.length + " of " + size + " bytes; get " + at.url() + " LOCAL-FILE for all of it)");
        }
    }

    /** UTF-8 text without control characters other than tab and line ends, or null; a cut object may end mid-character. */
    static String text(byte[] bytes, boolean cut) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer chars = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(ByteBuffer.wrap(bytes), chars, !cut);
        if (r.isError() || (!cut && d.flush(chars).isError())) {
            return null;
        }
        String text = chars.flip().toString();
        return text.chars().noneMatch(c -> c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f) ? text : null;
    }

    private void stat(Location at, PrintWriter out) throws Refused {
        HeadObjectResponse h = head(at);
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("key", at.url());
        rows.put("size", CommandSession.count(h.contentLength(), "byte"));
        rows.put("etag", h.eTag());
        rows.put("content type", h.contentType());
        rows.put("last modified", WHEN.format(h.lastModified()));
        h.metadata().forEach((k, v) -> rows.put("x-amz-meta-" + k, v));
        rows.forEach((k, v) -> out.println(String.format(Locale.ROOT, "%-14s %s", k + ":", v == null ? "" : v)));
    }

    /** HeadObject, with S3's own words for a missing key or bucket (a HEAD's 404 carries none). */
    private HeadObjectResponse head(Location at) throws Refused {
        try {
            return s3.headObject(b -> b.bucket(at.bucket()).key(at.key()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                headBucket(at.bucket());
                throw new Refused(NO_SUCH_KEY);
            }
            throw e;
        }
    }

    private void headBucket(String name) throws Refused {
        try {
            s3.headBucket(b -> b.bucket(name));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new Refused(NO_SUCH_BUCKET);
            }
            throw e;
        }
    }

    /** Each key that is there is deleted; S3 deletes a missing key without a word, so each is asked first. */
    private void rm(List<String> typed, PrintWriter out) throws Refused {
        List<Location> all = new ArrayList<>();
        for (String t : typed) {
            all.add(object(t));
        }
        for (Location at : all) {
            try {
                head(at);
            } catch (Refused missing) {
                throw new Refused(missing.getMessage() + " (" + at.url() + ")");
            }
            s3.deleteObject(b -> b.bucket(at.bucket()).key(at.key()));
            keysAt = 0;
            out.println("deleted " + at.url());
        }
    }

    private void presign(Location at, long seconds, PrintWriter out, PrintWriter err) throws Refused {
        head(at);
        String url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofSeconds(seconds)).getObjectRequest(g -> g.bucket(at.bucket()).key(at.key())))
                .url().toString();
        out.println(url);
        out.flush();
        err.println("(a GET of " + at.url() + " for anyone with the URL, for " + seconds + " s, until "
                + WHEN.format(Instant.now().plusSeconds(seconds)) + ")");
    }

    private static long seconds(String typed) throws Usage {
        try {
            long n = Long.parseLong(typed);
            if (n >= 1 && n <= PRESIGN_MAX_SECONDS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Usage("'" + typed + "' is not a number of seconds from 1 to " + PRESIGN_MAX_SECONDS + " (7 days, S3's longest)");
    }

    /** Removes a bucket; S3 refuses a non-empty one (BucketNotEmpty) unless {@code --force} deletes its keys first. */
    private void rb(List<String> a, PrintWriter out) throws Usage, Refused, Cancelled {
        List<String> args = new ArrayList<>(a);
        boolean force = args.remove("--force");
        Usage.need(args.size() == 1);
        String name = bucketName(args.get(0));
        long deleted = 0;
        if (force) {
            headBucket(name);
            String token = null;
            do {
                checkCancelled();
                String page = token;
                ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(name).continuationToken(page));
                for (S3Object o : r.contents()) {
                    checkCancelled();
                    s3.deleteObject(b -> b.bucket(name).key(o.key()));
                    deleted++;
                }
                token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
            } while (token != null);
        }
        s3.deleteBucket(b -> b.bucket(name));
        bucketsAt = 0;
        out.println("removed bucket s3://" + name + (force ? " and its " + CommandSession.count(deleted, "key") : ""));
        if (name.equals(bucket)) {
            out.println("(it was the current bucket: use BUCKET to choose another)");
        }
    }

    private void help(PrintWriter out) {
        for (String cmd : words()) {
            out.println(COMMANDS.get(cmd));
        }
        out.println("(keys are in the current bucket, s3://" + bucket + ", unless written s3://BUCKET/KEY)");
    }

    private void checkCancelled() throws Cancelled {
        if (cancelled) {
            throw new Cancelled();
        }
    }

    /** A file being sent, stopped at its next read by Ctrl-C: the upload fails there, and a multipart one is aborted. */
    private final class Interruptible extends FilterInputStream {
        Interruptible(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            checkCancelled();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            checkCancelled();
            return super.read(b, off, len);
        }
    }

    // ---- the shell's side

    @Override
    public Map<String, String> commands() {
        return COMMANDS;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    /** Keys of the current bucket after the commands that take a key, bucket names after mb, rb and use. */
    @Override
    public List<String> arguments(List<String> before) {
        String cmd = before.get(0).toLowerCase(Locale.ROOT);
        int at = before.size(); // the index of the word being completed
        try {
            return switch (cmd) {
                case "get", "cat", "stat", "presign" -> at == 1 ? keys() : List.of();
                case "rm" -> keys();
                case "ls" -> at == 1 || (at == 2 && before.get(1).startsWith("-")) ? keys() : List.of();
                case "put" -> at == 2 ? keys() : List.of();
                case "use", "rb" -> at == 1 ? buckets() : cmd.equals("rb") && at == 2 ? List.of("--force") : List.of();
                default -> List.of();
            };
        } catch (SdkException e) {
            return List.of(); // nothing to offer from a server that does not answer
        }
    }

    /** Up to {@link #COMPLETION_KEYS} keys of the current bucket, listed again after a few seconds or a change made here. */
    private List<String> keys() {
        long now = System.currentTimeMillis();
        if (!keysOf.equals(bucket) || now - keysAt > COMPLETION_MILLIS) {
            String of = bucket;
            keysSeen = s3.listObjectsV2(b -> b.bucket(of).maxKeys(COMPLETION_KEYS)).contents().stream().map(S3Object::key).toList();
            keysOf = of;
            keysAt = now;
        }
        return keysSeen;
    }

    private List<String> buckets() {
        long now = System.currentTimeMillis();
        if (now - bucketsAt > COMPLETION_MILLIS) {
            bucketsSeen = s3.listBuckets().buckets().stream().map(Bucket::name).toList();
            bucketsAt = now;
        }
        return bucketsSeen;
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }
}
