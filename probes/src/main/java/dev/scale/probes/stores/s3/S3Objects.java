package dev.scale.probes.stores.s3;

import dev.scale.probes.ObjectStore;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.s3.S3Clients;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The objects probe on an S3 API server, as a program would use it with the AWS SDK for Java v2: PUT (a multipart
 * upload above 8 MiB, one part in memory at a time), GET as a stream, LIST by prefix (ListObjectsV2, page by page),
 * and presigned GET URLs. A probe run's objects live under a prefix of its own in the instance's bucket, so a bucket
 * given by URL (one a user may not create others beside) works too.
 */
public final class S3Objects implements ObjectStore {
    private final Endpoint endpoint;
    private S3Client s3;
    private S3Presigner presigner;

    public S3Objects(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private synchronized S3Client s3() {
        if (s3 == null) {
            s3 = S3Clients.connect(endpoint);
        }
        return s3;
    }

    @Override
    public String kind() {
        return "s3";
    }

    @Override
    public List<Variant> variants() {
        return List.of(new Objects());
    }

    /** S3 keeps what it acknowledged; on S3Proxy, as files under its directory. */
    @Override
    public String persistence() {
        return "objects kept as written (S3 API)";
    }

    @Override
    public synchronized void close() {
        if (s3 != null) {
            s3.close();
        }
        if (presigner != null) {
            presigner.close();
        }
    }

    private String bucket() {
        return endpoint.database();
    }

    private static String key(String space, String key) {
        return space + "/" + key;
    }

    private final class Objects implements Variant {
        @Override
        public String name() {
            return "objects";
        }

        @Override
        public String description() {
            return "PUT (multipart above " + (S3Clients.PART_BYTES >> 20) + " MiB), GET streamed, ListObjectsV2";
        }

        @Override
        public long documentedLimitBytes() {
            return 0; // 5 TiB on AWS, far above what the probe tries
        }

        @Override
        public void create(String space) {
            s3(); // connects: an unreachable server or a refused key is said here, once
        }

        @Override
        public void put(String space, String key, InputStream body, long length) throws Exception {
            S3Clients.upload(s3(), bucket(), key(space, key), body, length);
        }

        @Override
        public InputStream get(String space, String key) {
            try {
                return s3().getObject(b -> b.bucket(bucket()).key(key(space, key)));
            } catch (NoSuchKeyException missing) {
                return null;
            }
        }

        @Override
        public List<String> list(String space, String prefix) {
            List<String> keys = new ArrayList<>();
            int cut = space.length() + 1;
            for (S3Object o : s3().listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(key(space, prefix))).contents()) {
                keys.add(o.key().substring(cut));
            }
            return keys;
        }

        /** DeleteObjects, 1,000 keys a request (S3's most), page by page of the listing. */
        @Override
        public void drop(String space) {
            List<ObjectIdentifier> batch = new ArrayList<>();
            for (S3Object o : s3().listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(space + "/")).contents()) {
                batch.add(ObjectIdentifier.builder().key(o.key()).build());
                if (batch.size() == 1000) {
                    delete(batch);
                }
            }
            delete(batch);
        }

        private void delete(List<ObjectIdentifier> batch) {
            if (batch.isEmpty()) {
                return;
            }
            List<ObjectIdentifier> keys = List.copyOf(batch);
            batch.clear();
            var errors = s3().deleteObjects(b -> b.bucket(bucket()).delete(d -> d.objects(keys).quiet(true))).errors();
            if (!errors.isEmpty()) {
                throw new IllegalStateException("S3 kept " + errors.size() + " objects: " + errors.get(0).code() + " " + errors.get(0).message());
            }
        }

        @Override
        public String presign(String space, String key, Duration valid) {
            synchronized (S3Objects.this) {
                if (presigner == null) {
                    presigner = S3Clients.presigner(endpoint);
                }
            }
            return presigner.presignGetObject(p -> p.signatureDuration(valid).getObjectRequest(g -> g.bucket(bucket()).key(key(space, key))))
                    .url().toString();
        }
    }
}
