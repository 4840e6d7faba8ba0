package dev.scale.probes;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The relational probe's small schema, users and their orders, kept the way a store can: tables with a
 * join and a secondary index where the server has them, keys and sets the client maintains where it
 * does not. Each answer counts the requests it took, which is what tells the two apart.
 */
public interface RelationalModel extends AutoCloseable {

    record User(long id, String email, String city) {
    }

    record Order(long id, long userId, long cents) {
    }

    /**
     * @param requests  round trips to the server the answer took
     * @param indexUsed whether the server itself used an index to answer (read from its plan), not an index the client keeps
     * @param how       one line: the statement, or the commands the client issued
     */
    record Answer<T>(T value, int requests, boolean indexUsed, String how) {
    }

    void load(List<User> users, List<Order> orders) throws Exception;

    /** The sum of order totals of each user living in {@code city}: a join and an aggregate. */
    Answer<Map<Long, Long>> totalsByCity(String city) throws Exception;

    /** The user with this email: a lookup on a column that is not the key. */
    Answer<Optional<Long>> userByEmail(String email) throws Exception;

    /** Removes the probe's tables or keys. */
    void cleanUp() throws Exception;

    @Override
    void close();
}
