package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.providers.Instance;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "env", mixinStandardHelpOptions = true,
        description = {"Print the connection environment variables of instances.",
                "One instance of a kind gets plain names (REDIS_URL); several of one kind get their name as prefix (CACHE_REDIS_URL)."},
        footer = {"", "Examples:",
                "  eval \"$(scale env redis)\"",
                "  scale env db --format dotenv > .env",
                "  scale env redis postgres --format github   (in GitHub Actions: appends to $GITHUB_ENV, masks secrets)"})
final class EnvCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Instance names, as `scale ls` shows them.")
    List<String> names;

    @Mixin
    OutputOption.Variables output;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format f = output.format();
        List<Instance> chosen = names.stream().distinct().map(ctx.instances()::find).toList();
        Render.env(ctx, chosen, f);
        return 0;
    }
}
