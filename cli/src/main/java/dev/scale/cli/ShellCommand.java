package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.cli.shell.Shell;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Open the shell without starting anything: on the named instance, on the only one running, or unconnected.",
                "`scale` with no command on a terminal does the same."},
        footer = {"", "Examples:", "  scale shell", "  scale shell db", "  echo 'select 1;' | scale shell db",
                "  scale shell couchbase://Administrator:pw@db.example:11210/travel"})
final class ShellCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(arity = "0..1", paramLabel = "NAME|URL", description = "An instance to connect to, or a server's URL "
            + "(redis://, postgresql://, couchbase://USER:PASSWORD@HOST:PORT/BUCKET).")
    String name;

    @Override
    public Integer call() throws IOException {
        Context ctx = parent.context();
        Shell shell = Main.shell(ctx);
        boolean url = name != null && name.contains("://");
        if (name == null) {
            shell.connect(null, null); // the only instance running, if there is one
        } else {
            shell.connectOrFail(url ? Target.fromUrl(ctx.kinds(), name, ctx.clock().instant(), ctx.env()) : ctx.instances().find(name));
        }
        return shell.run();
    }
}
