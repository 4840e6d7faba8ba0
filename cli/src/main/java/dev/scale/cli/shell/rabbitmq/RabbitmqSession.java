package dev.scale.cli.shell.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import dev.scale.cli.shell.MetaWords;
import dev.scale.cli.shell.PsqlTable;
import dev.scale.cli.shell.CommandSession;
import dev.scale.cli.shell.Usage;
import dev.scale.providers.Instance;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An AMQP 0-9-1 broker in the shell: declare, bind, publish (persistent, with publisher confirms and the mandatory
 * flag, so a message no queue takes is reported, not silently dropped), consume with manual acknowledgement, follow,
 * purge, delete, and a table of queues with their depth and consumers. RabbitMQ has no interactive client of its
 * own; the words are rabbitmqadmin's and the broker's own reply texts are shown as they come.
 *
 * <p>AMQP 0-9-1 has no way to list a broker's queues (RabbitMQ lists them through its management plugin or
 * rabbitmqctl, the embedded Qpid broker through its own management API, neither of which is AMQP). {@code queues}
 * therefore shows the queues this shell has declared or used and any it is given by name, each asked of the broker
 * (a passive declare) for its depth and consumers, and says so under the table.
 */
final class RabbitmqSession implements CommandSession {
    /** The commands, with their usage; also the words completion offers first. */
    static final Map<String, String> COMMANDS = Map.of(
            "declare", "declare queue NAME [durable|transient] [exclusive] [auto-delete] [x-ARG=VALUE...] | declare exchange NAME [direct|fanout|topic|headers] [durable|transient]",
            "bind", "bind QUEUE EXCHANGE [ROUTING-KEY]",
            "publish", "publish [-e EXCHANGE] ROUTING-KEY BODY|@FILE [HEADER=VALUE...]",
            "consume", "consume QUEUE [N]",
            "follow", "follow QUEUE",
            "purge", "purge QUEUE",
            "delete", "delete queue|exchange NAME",
            "queues", "queues [NAME...]");
    private static final List<String> QUEUE_FLAGS = List.of("durable", "transient", "exclusive", "auto-delete");
    private static final List<String> EXCHANGE_TYPES = List.of("direct", "fanout", "topic", "headers");
    private static final List<String> BUILTIN_EXCHANGES = List.of("amq.direct", "amq.fanout", "amq.topic", "amq.headers");
    /** How long a publish waits for the broker's confirm. */
    private static final long CONFIRM_MILLIS = 10_000;

    private final Instance instance;
    private Connection connection;
    private Channel channel;
    /**
     * Queues and exchanges this shell declared or used, for {@code queues} and completion, in the order first seen;
     * per instance, so that a session opened again on it (after {@code \\restart}) still knows them.
     */
    private static final Map<String, Set<String>> QUEUES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Set<String>> EXCHANGES = new java.util.concurrent.ConcurrentHashMap<>();
    private final Set<String> queues;
    private final Set<String> exchanges;
    private volatile boolean cancelled;
    /** Whether the last publish came back unroutable, set by the return listener before the confirm arrives. */
    private volatile AMQP.BasicProperties returned;
    private volatile String returnedReason;

    RabbitmqSession(Instance instance) throws IOException, TimeoutException {
        this.instance = instance;
        this.queues = QUEUES.computeIfAbsent(instance.name(), n -> java.util.Collections.synchronizedSet(new LinkedHashSet<>()));
        this.exchanges = EXCHANGES.computeIfAbsent(instance.name(), n -> java.util.Collections.synchronizedSet(new LinkedHashSet<>()));
        connect();
    }

    private void connect() throws IOException, TimeoutException {
        connection = RabbitmqKind.connect(instance.endpoint(), "scale-shell");
        openChannel();
    }

    private void openChannel() throws IOException {
        channel = connection.createChannel();
        channel.confirmSelect();
        channel.addReturnListener(r -> {
            returnedReason = r.getReplyCode() + " " + CODES.getOrDefault(r.getReplyCode(), r.getReplyText());
            returned = r.getProperties();
        });
    }

    @Override
    public Instance instance() {
        return instance;
    }

    @Override
    public void execute(String input, PrintWriter out, PrintWriter err) {
        cancelled = false;
        try {
            run(input, out);
        } catch (ShutdownSignalException e) { // AlreadyClosedException too
            out.println("ERROR " + reason(e));
            recover(out);
        } catch (IOException e) {
            out.println(cancelled ? "(interrupted)" : "ERROR " + reason(e));
            recover(out);
        } catch (TimeoutException e) {
            out.println("ERROR the broker did not confirm within " + CONFIRM_MILLIS / 1000 + " s");
            recover(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("(interrupted)");
        }
        out.flush();
    }

    /** The broker's own words for a closed channel or connection: its reply code's name and text. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Channel.Close c) {
                return text(c.getReplyCode(), c.getReplyText());
            }
            if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Connection.Close c) {
                return text(c.getReplyCode(), c.getReplyText());
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static final Map<Integer, String> CODES = Map.ofEntries(Map.entry(311, "CONTENT_TOO_LARGE"), Map.entry(312, "NO_ROUTE"), Map.entry(313, "NO_CONSUMERS"), Map.entry(320, "CONNECTION_FORCED"),
            Map.entry(403, "ACCESS_REFUSED"), Map.entry(404, "NOT_FOUND"), Map.entry(405, "RESOURCE_LOCKED"), Map.entry(406, "PRECONDITION_FAILED"),
            Map.entry(501, "FRAME_ERROR"), Map.entry(502, "SYNTAX_ERROR"), Map.entry(503, "COMMAND_INVALID"), Map.entry(504, "CHANNEL_ERROR"),
            Map.entry(506, "RESOURCE_ERROR"), Map.entry(530, "NOT_ALLOWED"), Map.entry(540, "NOT_IMPLEMENTED"), Map.entry(541, "INTERNAL_ERROR"));

    /** RabbitMQ's texts start with the code's name ("NOT_FOUND - no queue 'q' in vhost '/'"); other brokers' get it put in front. */
    private static String text(int code, String reply) {
        String name = CODES.getOrDefault(code, Integer.toString(code));
        return reply == null || reply.isEmpty() ? name : reply.startsWith(name) ? reply : name + " - " + reply;
    }

    /** After the broker closed the channel (as AMQP does on any error), a new one; after a lost connection, a new one. */
    private void recover(PrintWriter out) {
        try {
            if (connection.isOpen()) {
                openChannel();
            } else {
                connect();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            out.println("ERROR could not reconnect: " + reason(e));
        }
    }

    /** Runs one typed command, printing what it gives. */
    void run(String input, PrintWriter out) throws IOException, TimeoutException, InterruptedException {
        List<String> w = MetaWords.split(input);
        if (w.isEmpty()) {
            return;
        }
        String cmd = w.get(0).toLowerCase(Locale.ROOT);
        String usage = COMMANDS.get(cmd);
        if (usage == null) {
            out.println("ERROR unknown command '" + w.get(0) + "'; commands: " + String.join(", ", new TreeSet<>(COMMANDS.keySet())));
            return;
        }
        try {
            switch (cmd) {
                case "declare" -> declare(w, out);
                case "bind" -> {
                    Usage.need(w.size() == 3 || w.size() == 4);
                    channel.queueBind(w.get(1), w.get(2), w.size() == 4 ? w.get(3) : "");
                    queues.add(w.get(1));
                    exchanges.add(w.get(2));
                    out.println("queue " + w.get(1) + " bound to exchange " + w.get(2) + (w.size() == 4 ? " with routing key " + w.get(3) : ""));
                }
                case "publish" -> publish(w, out);
                case "consume" -> {
                    Usage.need(w.size() == 2 || w.size() == 3);
                    consume(w.get(1), w.size() == 3 ? positive(w.get(2)) : 1, out);
                }
                case "follow" -> {
                    Usage.need(w.size() == 2);
                    follow(w.get(1), out);
                }
                case "purge" -> {
                    Usage.need(w.size() == 2);
                    int n = channel.queuePurge(w.get(1)).getMessageCount();
                    queues.add(w.get(1));
                    out.println("purged " + n + " message" + (n == 1 ? "" : "s") + " from queue " + w.get(1));
                }
                case "delete" -> {
                    Usage.need(w.size() == 3);
                    String what = w.get(1).toLowerCase(Locale.ROOT);
                    if (what.equals("queue")) {
                        int n = channel.queueDelete(w.get(2)).getMessageCount();
                        queues.remove(w.get(2));
                        out.println("queue " + w.get(2) + " deleted with " + n + " message" + (n == 1 ? "" : "s"));
                    } else if (what.equals("exchange")) {
                        channel.exchangeDelete(w.get(2));
                        exchanges.remove(w.get(2));
                        out.println("exchange " + w.get(2) + " deleted");
                    } else {
                        throw new Usage("delete what? queue or exchange");
                    }
                }
                default -> queues(w.subList(1, w.size()), out);
            }
        } catch (Usage e) {
            out.println("ERROR " + e.getMessage() + "; usage: " + usage);
        }
    }

    private void declare(List<String> w, PrintWriter out) throws IOException, Usage {
        Usage.need(w.size() >= 3);
        String what = w.get(1).toLowerCase(Locale.ROOT);
        String name = w.get(2);
        if (what.equals("queue")) {
            boolean durable = true;
            boolean exclusive = false;
            boolean autoDelete = false;
            Map<String, Object> arguments = new LinkedHashMap<>();
            for (String option : w.subList(3, w.size())) {
                int eq = option.indexOf('=');
                if (eq > 0) {
                    arguments.put(option.substring(0, eq), argument(option.substring(eq + 1)));
                    continue;
                }
                switch (option.toLowerCase(Locale.ROOT)) {
                    case "durable" -> durable = true;
                    case "transient" -> durable = false;
                    case "exclusive" -> exclusive = true;
                    case "auto-delete" -> autoDelete = true;
                    default -> throw new Usage("unknown queue option '" + option + "': " + String.join(", ", QUEUE_FLAGS) + " or x-ARG=VALUE");
                }
            }
            AMQP.Queue.DeclareOk ok = channel.queueDeclare(name, durable, exclusive, autoDelete, arguments);
            queues.add(ok.getQueue());
            out.println("queue " + ok.getQueue() + " declared (" + (durable ? "durable" : "transient") + (exclusive ? ", exclusive" : "")
                    + (autoDelete ? ", auto-delete" : "") + "): " + CommandSession.count(ok.getMessageCount(), "message") + ", " + CommandSession.count(ok.getConsumerCount(), "consumer"));
        } else if (what.equals("exchange")) {
            BuiltinExchangeType type = BuiltinExchangeType.DIRECT;
            boolean durable = true;
            for (String option : w.subList(3, w.size())) {
                switch (option.toLowerCase(Locale.ROOT)) {
                    case "direct" -> type = BuiltinExchangeType.DIRECT;
                    case "fanout" -> type = BuiltinExchangeType.FANOUT;
                    case "topic" -> type = BuiltinExchangeType.TOPIC;
                    case "headers" -> type = BuiltinExchangeType.HEADERS;
                    case "durable" -> durable = true;
                    case "transient" -> durable = false;
                    default -> throw new Usage("unknown exchange option '" + option + "': " + String.join(", ", EXCHANGE_TYPES) + ", durable or transient");
                }
            }
            channel.exchangeDeclare(name, type, durable);
            exchanges.add(name);
            out.println("exchange " + name + " declared (" + type.getType() + ", " + (durable ? "durable" : "transient") + ")");
        } else {
            throw new Usage("declare what? queue or exchange");
        }
    }

    /** A queue argument's value: RabbitMQ wants numbers as numbers (x-message-ttl=60000) and flags as booleans. */
    private static Object argument(String value) {
        if (value.matches("-?\\d{1,18}")) {
            return Long.parseLong(value);
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        return value;
    }

    private void publish(List<String> w, PrintWriter out) throws IOException, Usage, InterruptedException, TimeoutException {
        List<String> a = new ArrayList<>(w.subList(1, w.size()));
        String exchange = "";
        if (!a.isEmpty() && (a.get(0).equals("-e") || a.get(0).equals("--exchange"))) {
            Usage.need(a.size() >= 2);
            exchange = a.get(1);
            a = a.subList(2, a.size());
        }
        Usage.need(a.size() >= 2);
        String routingKey = a.get(0);
        byte[] body = body(a.get(1));
        Map<String, Object> headers = new LinkedHashMap<>();
        for (String h : a.subList(2, a.size())) {
            int eq = h.indexOf('=');
            if (eq <= 0) {
                throw new Usage("a header is NAME=VALUE, not '" + h + "'");
            }
            headers.put(h.substring(0, eq), h.substring(eq + 1));
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().contentType("text/plain").contentEncoding("utf-8")
                .deliveryMode(2).timestamp(new java.util.Date()).headers(headers.isEmpty() ? null : headers).build();
        returned = null;
        channel.basicPublish(exchange, routingKey, true, props, body);
        boolean confirmed = channel.waitForConfirms(CONFIRM_MILLIS);
        // RabbitMQ returns an unroutable message, then confirms it; Qpid returns it and refuses it, the refusal
        // sometimes first: a refused mandatory message waits a moment for its return before it counts as refused
        for (int i = 0; !confirmed && returned == null && i < 50; i++) {
            Thread.sleep(10);
        }
        String where = "exchange " + (exchange.isEmpty() ? "(default)" : exchange) + " with routing key " + routingKey;
        if (returned != null) {
            out.println("returned: no queue took it (" + returnedReason + ") from " + where);
            return;
        }
        if (!confirmed) {
            out.println("ERROR the broker refused the message (a nack) on " + where);
            return;
        }
        if (exchange.isEmpty()) {
            queues.add(routingKey);
        } else {
            exchanges.add(exchange);
        }
        out.println("published " + CommandSession.count(body.length, "byte") + " to " + where + ", confirmed");
    }

    /** The body as typed, or, for {@code @FILE}, that file's bytes (as curl reads {@code -d @FILE}); {@code @@} is a literal {@code @}. */
    private static byte[] body(String typed) throws Usage {
        if (typed.startsWith("@@")) {
            return typed.substring(1).getBytes(StandardCharsets.UTF_8);
        }
        if (!typed.startsWith("@")) {
            return typed.getBytes(StandardCharsets.UTF_8);
        }
        java.nio.file.Path file = java.nio.file.Path.of(typed.substring(1));
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Usage("no file " + file);
        } catch (IOException | OutOfMemoryError e) {
            throw new Usage("cannot read " + file + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    /** Takes up to {@code n} messages, one {@code basic.get} each, acknowledging each after it is printed. */
    private void consume(String queue, int n, PrintWriter out) throws IOException {
        int got = 0;
        long left = -1;
        while (got < n && !cancelled) {
            GetResponse r = channel.basicGet(queue, false);
            queues.add(queue);
            if (r == null) {
                left = 0;
                break;
            }
            got++;
            print(got, r.getEnvelope(), r.getProps(), r.getBody(), out);
            channel.basicAck(r.getEnvelope().getDeliveryTag(), false);
            left = r.getMessageCount();
        }
        out.println("(" + CommandSession.count(got, "message") + " consumed and acknowledged from queue " + queue + (left >= 0 ? ", " + left + " left" : "") + ")");
    }

    /** Consumes until Ctrl-C, printing and acknowledging each message as it arrives. */
    private void follow(String queue, PrintWriter out) throws IOException, InterruptedException {
        BlockingQueue<Object[]> arrived = new LinkedBlockingQueue<>();
        Channel ch = channel;
        ch.basicQos(100);
        String tag = ch.basicConsume(queue, false, "scale-shell-follow", new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                arrived.add(new Object[] {envelope, properties, body});
            }
        });
        queues.add(queue);
        out.println("(following queue " + queue + "; Ctrl-C to stop)");
        out.flush();
        int got = 0;
        try {
            while (!cancelled && ch.isOpen()) {
                Object[] m = arrived.poll(100, TimeUnit.MILLISECONDS);
                if (m != null) {
                    Envelope e = (Envelope) m[0];
                    print(++got, e, (AMQP.BasicProperties) m[1], (byte[]) m[2], out);
                    out.flush();
                    ch.basicAck(e.getDeliveryTag(), false);
                }
            }
        } finally {
            if (ch.isOpen()) {
                ch.basicCancel(tag);
            }
        }
        if (!ch.isOpen()) {
            throw new AlreadyClosedException(ch.getCloseReason());
        }
        out.println("(stopped following queue " + queue + ": " + CommandSession.count(got, "message") + " acknowledged)");
    }

    private static void print(int n, Envelope e, AMQP.BasicProperties props, byte[] body, PrintWriter out) {
        out.println("--- message " + n + ": routing key " + e.getRoutingKey() + ", exchange " + (e.getExchange().isEmpty() ? "(default)" : e.getExchange())
                + (e.isRedeliver() ? ", redelivered" : ""));
        if (props.getHeaders() != null) {
            new java.util.TreeMap<>(props.getHeaders()).forEach((k, v) -> out.println(k + ": " + (v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(v))));
        }
        out.println(body(body));
    }

    /** The body as text when it is UTF-8, else its size: a terminal is no place for raw bytes. */
    static String body(byte[] body) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            if (text.chars().noneMatch(c -> c < 0x20 && c != '\n' && c != '\t' && c != '\r')) {
                return text;
            }
        } catch (CharacterCodingException e) {
            // binary
        }
        return "(" + body.length + " bytes, not text)";
    }

    /** Depth and consumers of each queue known to this shell, asked of the broker one passive declare each. */
    private void queues(List<String> named, PrintWriter out) throws IOException {
        queues.addAll(named);
        List<String[]> rows = new ArrayList<>();
        for (String q : List.copyOf(queues)) {
            try (Channel probe = connection.createChannel()) {
                AMQP.Queue.DeclareOk ok = probe.queueDeclarePassive(q);
                rows.add(new String[] {q, Integer.toString(ok.getMessageCount()), Integer.toString(ok.getConsumerCount())});
            } catch (IOException e) {
                queues.remove(q); // gone (404) or another connection's exclusive queue (405): the broker's word, below
                if (named.contains(q)) {
                    out.println("ERROR " + reason(e));
                }
            } catch (TimeoutException | AlreadyClosedException e) {
                // the channel closed itself after the error above
            }
        }
        out.print(PsqlTable.format(new String[] {"queue", "messages", "consumers"}, new boolean[] {false, true, true}, rows));
        out.println("(AMQP cannot list a broker's queues: these are the ones this shell declared or used, and any named)");
    }

    private static int positive(String text) throws Usage {
        try {
            int n = Integer.parseInt(text);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Usage("'" + text + "' is not a count of 1 or more");
    }

    @Override
    public Map<String, String> commands() {
        return COMMANDS;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    /** Queue names after the commands that take one, exchange names and options where those come. */
    @Override
    public List<String> arguments(List<String> before) {
        String cmd = before.get(0).toLowerCase(Locale.ROOT);
        int at = before.size(); // the index of the word being completed
        List<String> exchangeNames = new ArrayList<>(exchanges);
        exchangeNames.addAll(BUILTIN_EXCHANGES);
        return switch (cmd) {
            case "consume", "follow", "purge" -> at == 1 ? List.copyOf(queues) : List.of();
            case "queues" -> List.copyOf(queues);
            case "bind" -> at == 1 ? List.copyOf(queues) : at == 2 ? exchangeNames : List.of();
            case "publish" -> at == 1 ? concat(List.of("-e"), queues) : at == 2 && before.get(1).equals("-e") ? exchangeNames : List.of();
            case "delete" -> at == 1 ? List.of("queue", "exchange") : at == 2 ? before.get(1).equals("queue") ? List.copyOf(queues) : List.copyOf(exchanges) : List.of();
            case "declare" -> at == 1 ? List.of("queue", "exchange") : at == 2 ? List.of()
                    : before.get(1).equals("queue") ? QUEUE_FLAGS : concat(EXCHANGE_TYPES, List.of("durable", "transient"));
            default -> List.of();
        };
    }

    private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    public void close() {
        try {
            connection.close(2000);
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
    }
}
