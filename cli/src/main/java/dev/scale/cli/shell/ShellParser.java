package dev.scale.cli.shell;

import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.impl.DefaultParser;

/** Splits words for completion, and asks JLine for more lines while a SQL statement has no ';' yet. */
final class ShellParser implements Parser {
    private final Shell shell;
    private final DefaultParser words = new DefaultParser();

    ShellParser(Shell shell) {
        this.shell = shell;
        words.setEofOnUnclosedQuote(false);
        words.setEofOnEscapedNewLine(false);
        words.setEscapeChars(null);
    }

    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        if (context == ParseContext.ACCEPT_LINE && shell.session() != null) {
            String s = line.strip();
            boolean native_ = !s.isEmpty() && !s.startsWith("\\") && !s.equalsIgnoreCase("exit") && !s.equalsIgnoreCase("quit");
            if (native_ && !shell.session().complete(line)) {
                throw new EOFError(-1, -1, "statement not ended", "end it with ;");
            }
        }
        return words.parse(line, cursor, context);
    }
}
