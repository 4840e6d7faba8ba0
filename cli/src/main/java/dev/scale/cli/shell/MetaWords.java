package dev.scale.cli.shell;

import java.util.ArrayList;
import java.util.List;

/** Splits a typed line into words: spaces separate, single or double quotes group. No expansion of any kind. */
public final class MetaWords {
    private MetaWords() {
    }

    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }
}
