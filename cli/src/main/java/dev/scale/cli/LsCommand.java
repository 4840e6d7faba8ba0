package dev.scale.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ls", mixinStandardHelpOptions = true, aliases = "list",
        description = "List every instance scale started here, from any scale process.",
        footer = {"", "Examples:", "  scale ls", "  scale ls --output json | jq -r '.[].url'"})
final class LsCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = "table or json. Default: ${DEFAULT-VALUE}")
    String output;

    @Option(names = "--reveal", description = "Show passwords in table output.")
    boolean reveal;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Render.Format format = Render.Format.parse(output, List.of(Render.Format.TABLE, Render.Format.JSON));
        Render.instances(ctx, ctx.instances().list(), format, reveal);
        return 0;
    }
}
