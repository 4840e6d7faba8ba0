package dev.scale.cli;

import dev.scale.providers.Instance;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = {"-f", "--format", "-o", "--output"}, paramLabel = "FORMAT", defaultValue = "shell",
            description = "shell, dotenv, github or json. Default: ${DEFAULT-VALUE}")
    String format;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Render.Format f = Render.Format.parse(format,
                List.of(Render.Format.SHELL, Render.Format.DOTENV, Render.Format.GITHUB, Render.Format.JSON));
        List<Instance> chosen = names.stream().distinct().map(ctx.instances()::find).toList();
        Render.env(ctx, chosen, f);
        return 0;
    }
}
