package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.ProgressLines;
import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.providers.Instance;
import dev.scale.providers.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "restart", mixinStandardHelpOptions = true,
        description = {"Restart instances' servers on their own data.",
                "A clean stop (the kind's own shutdown signal), then a start on the same data, within the same time to live: what the "
                        + "server persists is still there (PostgreSQL's tables, RabbitMQ's durable queues; scale's Redis keeps nothing, it runs "
                        + "without RDB or AOF). On Docker the published port may change: the instances are listed again as they now are."},
        footer = {"", "Examples:", "  scale restart rabbitmq", "  scale restart db --output json"})
final class RestartCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Instance names, as `scale ls` shows them.")
    List<String> names;

    @Mixin
    OutputOption.TableOrJson output;

    @Option(names = "--reveal", description = "Show passwords: in the table, and in JSON on a terminal (JSON into a pipe or a file has them).")
    boolean reveal;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        names.forEach(Names::checkName);
        ProgressLines progress = new ProgressLines(ctx);
        List<Instance> restarted = new ArrayList<>();
        for (String name : names.stream().distinct().toList()) {
            restarted.add(ctx.instances().restart(name, progress));
        }
        Render.instances(ctx, restarted, format, reveal);
        return 0;
    }
}
