package dev.scale.cli.shell;

import dev.scale.cli.context.Context;
import dev.scale.providers.Instance;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The shell's own meta commands. \\up, \\down, \\ls, \\env and \\gc are scale's commands themselves. */
@Command(name = "\\", subcommands = {MetaCommands.Use.class, MetaCommands.Info.class, MetaCommands.Timing.class,
        MetaCommands.Quit.class, MetaCommands.Help.class})
final class MetaCommands {
    final Shell shell;
    final Context ctx;

    MetaCommands(Shell shell, Context ctx) {
        this.shell = shell;
        this.ctx = ctx;
    }

    @Command(name = "use", description = "Connect to another instance.")
    static final class Use implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        MetaCommands parent;

        @Parameters(paramLabel = "NAME", description = "An instance name, as \\ls shows it.")
        String name;

        @Override
        public Integer call() {
            Instance instance = parent.ctx.instances().find(name);
            return parent.shell.use(instance, parent.ctx.err()) ? 0 : 1;
        }
    }

    @Command(name = "info", description = "Connection details of the current instance.")
    static final class Info implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        MetaCommands parent;

        @Option(names = "--reveal", description = "Show the password.")
        boolean reveal;

        @Override
        public Integer call() {
            Session s = parent.shell.session();
            if (s == null) {
                parent.ctx.err().println("scale: not connected");
                parent.ctx.err().flush();
                return 1;
            }
            Instance i = s.instance();
            String secret = i.endpoint().password().reveal();
            var out = parent.ctx.out();
            out.println("name      " + i.name());
            out.println("kind      " + i.kind().name() + " " + i.version() + " (" + i.provider() + ")");
            out.println("endpoint  " + i.endpoint().host() + ":" + i.endpoint().port());
            out.println("user      " + i.endpoint().username());
            if (i.endpoint().database() != null) {
                out.println("database  " + i.endpoint().database());
            }
            out.println("password  " + (reveal ? secret : "**** (\\info --reveal shows it)"));
            out.println("url       " + (reveal ? i.url() : i.url().replace(secret, "****")));
            out.println("expires   " + i.expiresAt());
            out.flush();
            return 0;
        }
    }

    @Command(name = "timing", description = "Show how long each command or statement took: \\timing on|off (toggles without argument).")
    static final class Timing implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        MetaCommands parent;

        @Parameters(arity = "0..1", paramLabel = "on|off")
        String value;

        @Override
        public Integer call() {
            boolean on = value == null ? !parent.shell.timing() : value.equalsIgnoreCase("on");
            if (value != null && !value.equalsIgnoreCase("on") && !value.equalsIgnoreCase("off")) {
                parent.ctx.err().println("scale: \\timing takes on or off");
                parent.ctx.err().flush();
                return 2;
            }
            parent.shell.timing(on);
            parent.ctx.out().println("Timing is " + (on ? "on." : "off."));
            parent.ctx.out().flush();
            return 0;
        }
    }

    @Command(name = "quit", aliases = {"q", "exit"}, description = "Leave the shell (Ctrl-D does too).")
    static final class Quit implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        MetaCommands parent;

        @Override
        public Integer call() {
            parent.shell.quit();
            return 0;
        }
    }

    @Command(name = "help", aliases = "?", description = "This list.")
    static final class Help implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        MetaCommands parent;

        @Override
        public Integer call() {
            var out = parent.ctx.out();
            out.println("Type the connected datastore's own commands (SQL ends at ';'; scale kinds says what each takes). Meta commands:");
            out.println("  \\up KIND[:VERSION] [options]   start an instance (and connect, if none is connected)");
            out.println("  \\down NAME... | --all          remove instances");
            out.println("  \\ls                            list instances");
            out.println("  \\env [NAME...]                 connection variables");
            out.println("  \\gc                            remove expired and dead instances");
            out.println("  \\use NAME                      connect to another instance");
            out.println("  \\info [--reveal]               connection details of this one");
            out.println("  \\timing [on|off]               time each command");
            out.println("  \\quit, \\q                      leave (Ctrl-D too; Ctrl-C cancels the current input or statement)");
            out.println("Each takes --help.");
            out.flush();
            return 0;
        }
    }
}
