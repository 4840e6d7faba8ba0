package dev.scale.probes.stores.couchbase;

import com.couchbase.mock.CouchbaseMock;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;

/**
 * A TEST DOUBLE for Couchbase Server: CouchbaseMock, in this JVM. No Couchbase Server image or package
 * can be had on the machine these tests were written on. The mock serves the SDK's key/value path
 * (get, upsert, insert, replace, remove, expiry, counters, CAS) when the login is the bucket's own name
 * and password; it has no SQL++, no multi-document transactions, no durable writes and no cluster
 * manager statistics, so what needs those is not tested against it.
 */
public final class CouchbaseMockServer implements AutoCloseable {
    private final CouchbaseMock mock;
    public final Endpoint endpoint;

    private CouchbaseMockServer(CouchbaseMock mock, Endpoint endpoint) {
        this.mock = mock;
        this.endpoint = endpoint;
    }

    public static CouchbaseMockServer start() throws Exception {
        String password = Secret.random().reveal();
        CouchbaseMock mock = new CouchbaseMock("127.0.0.1", 0, 1, 64, "scale:" + password);
        mock.start();
        mock.waitForStartup();
        // SDK 3 bootstraps over the key/value port (CCCP), which the mock serves only when asked to.
        mock.getDispatcher().processInput("{\"command\":\"SET_CCCP\",\"payload\":{\"enabled\":true}}");
        return new CouchbaseMockServer(mock, new Endpoint("127.0.0.1", mock.getCarrierPort("scale"), "scale", Secret.of(password), "scale"));
    }

    /** scale's --on URL for this bucket. */
    public String url() {
        return "couchbase://scale:" + endpoint.password().reveal() + "@127.0.0.1:" + endpoint.port() + "/scale";
    }

    @Override
    public void close() {
        mock.stop();
    }
}
