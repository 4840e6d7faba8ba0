package dev.scale.cli.shell.redis;

import dev.scale.providers.kinds.redis.Resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** redis-cli's text rules: how it splits a typed line into arguments, and how it prints replies on a terminal. */
final class RedisText {
    private RedisText() {
    }

    /** Thrown for unbalanced quotes, as redis-cli's "Invalid argument(s)". */
    static final class BadQuotes extends Exception {
        private static final long serialVersionUID = 1L;

        BadQuotes() {
            super("Invalid argument(s)");
        }
    }

    /** Splits like redis-cli (sdssplitargs): spaces separate; "..." takes \n \r \t \b \a \\ \" \xHH; '...' takes \'. */
    static List<byte[]> split(String line) throws BadQuotes {
        List<byte[]> args = new ArrayList<>();
        byte[] in = line.getBytes(StandardCharsets.UTF_8);
        int i = 0;
        while (true) {
            while (i < in.length && Character.isWhitespace(in[i])) {
                i++;
            }
            if (i >= in.length) {
                return args;
            }
            java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                if (inDouble) {
                    if (i >= in.length) {
                        throw new BadQuotes();
                    }
                    byte c = in[i];
                    if (c == '\\' && i + 3 < in.length && in[i + 1] == 'x' && hex(in[i + 2]) >= 0 && hex(in[i + 3]) >= 0) {
                        cur.write(hex(in[i + 2]) * 16 + hex(in[i + 3]));
                        i += 3;
                    } else if (c == '\\' && i + 1 < in.length) {
                        i++;
                        cur.write(switch (in[i]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> in[i];
                        });
                    } else if (c == '"') {
                        if (i + 1 < in.length && !Character.isWhitespace(in[i + 1])) {
                            throw new BadQuotes();
                        }
                        done = true;
                    } else {
                        cur.write(c);
                    }
                } else if (inSingle) {
                    if (i >= in.length) {
                        throw new BadQuotes();
                    }
                    byte c = in[i];
                    if (c == '\\' && i + 1 < in.length && in[i + 1] == '\'') {
                        i++;
                        cur.write('\'');
                    } else if (c == '\'') {
                        if (i + 1 < in.length && !Character.isWhitespace(in[i + 1])) {
                            throw new BadQuotes();
                        }
                        done = true;
                    } else {
                        cur.write(c);
                    }
                } else {
                    if (i >= in.length) {
                        done = true;
                        break;
                    }
                    byte c = in[i];
                    if (Character.isWhitespace(c)) {
                        done = true;
                    } else if (c == '"') {
                        inDouble = true;
                    } else if (c == '\'') {
                        inSingle = true;
                    } else {
                        cur.write(c);
                    }
                }
                if (i < in.length) {
                    i++;
                }
            }
            args.add(cur.toByteArray());
        }
    }

    private static int hex(byte c) {
        return Character.digit(c, 16);
    }

    /** The reply as redis-cli prints it on a terminal (cliFormatReplyTTY), ending with a newline. */
    static String format(Resp.Reply reply) {
        StringBuilder out = new StringBuilder();
        format(reply, "", out);
        return out.toString();
    }

    private static void format(Resp.Reply reply, String prefix, StringBuilder out) {
        if (reply instanceof Resp.Status s) {
            out.append(s.text()).append('\n');
        } else if (reply instanceof Resp.Error e) {
            out.append("(error) ").append(e.text()).append('\n');
        } else if (reply instanceof Resp.Int n) {
            out.append("(integer) ").append(n.value()).append('\n');
        } else if (reply instanceof Resp.Bulk b) {
            out.append(b.value() == null ? "(nil)" : quote(b.value())).append('\n');
        } else if (reply instanceof Resp.Multi m) {
            if (m.items() == null) {
                out.append("(nil)\n");
            } else if (m.items().isEmpty()) {
                out.append("(empty array)\n");
            } else {
                int width = Integer.toString(m.items().size()).length();
                String nested = prefix + " ".repeat(width + 2);
                for (int i = 0; i < m.items().size(); i++) {
                    out.append(i == 0 ? "" : prefix).append(String.format("%" + width + "d) ", i + 1));
                    format(m.items().get(i), nested, out);
                }
            }
        }
    }

    /** redis-cli's sdscatrepr: double quotes, C escapes, \xHH for other non-printables. */
    static String quote(byte[] value) {
        StringBuilder s = new StringBuilder("\"");
        for (byte b : value) {
            int c = b & 0xff;
            switch (c) {
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case 7 -> s.append("\\a");
                case '\b' -> s.append("\\b");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        s.append((char) c);
                    } else {
                        s.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return s.append('"').toString();
    }
}
