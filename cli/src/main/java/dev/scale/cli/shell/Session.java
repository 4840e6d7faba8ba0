package dev.scale.cli.shell;

import dev.scale.providers.Instance;
import java.io.PrintWriter;
import java.util.List;

/** The shell's connection to one instance: native input in, results out, in that datastore's own style. */
public interface Session extends AutoCloseable {

    Instance instance();

    /** Whether the input typed so far is a whole statement (SQL waits for its ';'); a line is one, elsewhere. */
    default boolean complete(String input) {
        return true;
    }

    /** Runs the input; results to {@code out}, server errors as the native client shows them. */
    void execute(String input, PrintWriter out, PrintWriter err);

    /** Stops what {@link #execute} is running (Ctrl-C), leaving the session usable. Called from another thread. */
    void cancel();

    /** Words to complete native input with: command names, keywords, table and column names. */
    List<String> words();

    /**
     * Words to complete an argument with, after the command's name (queue names after {@code consume}); only
     * asked where {@link #wordsAfterFirst} is false.
     *
     * @param before the words before the one being completed, the command's name first
     */
    default List<String> arguments(List<String> before) {
        return List.of();
    }

    /** Whether {@link #words} complete every word (SQL), or only the first, the command's name (after which come keys and values). */
    default boolean wordsAfterFirst() {
        return true;
    }

    /** Whether completion candidates are matched case-insensitively and offered in upper case. */
    default boolean upperCaseWords() {
        return true;
    }

    @Override
    void close();
}
