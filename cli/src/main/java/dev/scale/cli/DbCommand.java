package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "db", mixinStandardHelpOptions = true,
        description = {"Make or remove databases inside a running PostgreSQL instance: one per test, isolated, in milliseconds."},
        subcommands = {DbCommand.New.class, DbCommand.Rm.class},
        footer = {"", "Examples:",
                "  eval \"$(scale db new postgres)\"             an empty database with its own login, exported as DATABASE_URL…",
                "  scale db new postgres --from scale -o json   a copy of the instance's database (migrate it once, copy it per test)",
                "  scale db rm postgres t_3f9a1c2b              remove one (down removes them all with the instance)"})
final class DbCommand implements Runnable {
    @ParentCommand
    ScaleCommand parent;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(parent.context().out());
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    static Instance postgres(Context ctx, String name) {
        Instance instance = ctx.instances().find(name);
        if (!instance.kind().name().equals("postgres")) {
            throw ScaleException.usage("'" + name + "' is " + instance.kind().name() + ", and scale db makes PostgreSQL databases",
                    "name a postgres instance (scale ls)");
        }
        return instance;
    }

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = {"A fresh database with a login of its own that owns it and a random password, copied from a template"
                    + " database (CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY). Prints its connection variables, as scale env does;"
                    + " the time it took goes to stderr."})
    static final class New implements Callable<Integer> {
        @ParentCommand
        DbCommand db;

        @Parameters(paramLabel = "INSTANCE", description = "A postgres instance, as `scale ls` shows it.")
        String instance;

        @Option(names = "--name", paramLabel = "DB", description = "The database's and its login's name (default: t_ and 8 random hex digits).")
        String name;

        @Option(names = "--from", paramLabel = "DB", description = "Copy this database (default: an empty one, from template1). No one may be"
                + " connected to it while it is copied.")
        String from;

        @Mixin
        OutputOption.Variables output;

        @Override
        public Integer call() throws Exception {
            Context ctx = db.parent.context();
            Instance target = postgres(ctx, instance);
            String database = name != null ? name : "t_" + HexFormat.of().formatHex(bytes());
            if (!database.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw ScaleException.usage("'" + database + "' is not a name scale makes databases with",
                        "use lower-case letters, digits and _, starting with a letter or _, at most 63 characters");
            }
            if (from != null && from.isBlank()) {
                throw ScaleException.usage("--from names no database", "give the database to copy, e.g. --from scale");
            }
            long start = System.nanoTime();
            Endpoint made;
            try {
                made = target.kind().newDatabase(target.endpoint(), database, from);
            } catch (java.sql.SQLException e) {
                throw ScaleException.failure("could not make database " + database + " in '" + instance + "': " + firstLine(e.getMessage()),
                        e.getMessage() != null && e.getMessage().contains("being accessed by other users")
                                ? "close the sessions on " + from + " first: a database is copied only while no one is connected to it"
                                : null, e);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            Render.env(ctx, List.of(new Instance(target.name(), target.kind(), target.version(), target.provider(), made, target.createdAt(),
                    target.expiresAt(), target.state())), output.format());
            ctx.info("database " + database + " made in " + ms + " ms" + (from == null ? "" : ", a copy of " + from)
                    + "; it goes with '" + instance + "', or with: scale db rm " + instance + " " + database);
            return 0;
        }

        private static byte[] bytes() {
            byte[] b = new byte[4];
            RANDOM.nextBytes(b);
            return b;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = {"Remove databases scale db new made, with their logins."})
    static final class Rm implements Callable<Integer> {
        @ParentCommand
        DbCommand db;

        @Parameters(index = "0", paramLabel = "INSTANCE", description = "The postgres instance.")
        String instance;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "DB", description = "Databases to remove.")
        List<String> databases;

        @Override
        public Integer call() throws Exception {
            Context ctx = db.parent.context();
            Instance target = postgres(ctx, instance);
            for (String database : databases) {
                if (List.of("scale", "postgres", "template0", "template1").contains(database) || database.equals(target.endpoint().username())) {
                    throw ScaleException.usage("scale db rm removes only databases scale db new made, not " + database,
                            "remove the whole instance with: scale down " + instance);
                }
                target.kind().dropDatabase(target.endpoint(), database);
                ctx.out().println("removed " + database);
            }
            ctx.out().flush();
            return 0;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no reason given";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
