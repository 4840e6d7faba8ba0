package dev.scale.cli.shell;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A session whose input is one of scale's own commands a line (memcached, RabbitMQ, S3: none of them has an
 * interactive client of its own), each command's name first and then its arguments: completion offers the command
 * names, in lower case as typed, then whatever {@link #arguments} gives for the words after.
 */
public interface CommandSession extends Session {

    /** The commands by name, each with its usage line. */
    Map<String, String> commands();

    @Override
    default List<String> words() {
        return new TreeSet<>(commands().keySet()).stream().toList();
    }

    @Override
    default boolean upperCaseWords() {
        return false;
    }

    @Override
    default boolean wordsAfterFirst() {
        return false;
    }

    /** {@code 1 message}, {@code 2 messages}: a count and its noun, as the shells print them. */
    static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
