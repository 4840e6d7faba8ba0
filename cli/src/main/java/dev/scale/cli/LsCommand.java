package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.providers.Broken;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ls", mixinStandardHelpOptions = true, aliases = "list",
        description = "List every instance scale started here, from any scale process.",
        footer = {"", "Examples:", "  scale ls", "  scale ls --output json | jq -r '.[].url'"})
final class LsCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Mixin
    OutputOption.TableOrJson output;

    @Option(names = "--reveal", description = "Show passwords in table output.")
    boolean reveal;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        Render.instances(ctx, ctx.instances().list(), format, reveal);
        ctx.instances().dockerUnanswered().ifPresent(ctx::info);
        for (Broken b : ctx.instances().broken()) {
            ctx.info(b.provider() + " instance '" + b.name() + "' is broken: " + b.why() + "; scale gc removes it");
        }
        return 0;
    }
}
