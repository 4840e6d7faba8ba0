package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.providers.Broken;
import dev.scale.providers.lifecycle.Instances;
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

    @Option(names = "--reveal", description = "Show passwords: in the table, and in JSON on a terminal (JSON into a pipe or a file has them).")
    boolean reveal;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        java.util.List<dev.scale.providers.Instance> all = ctx.instances().list();
        Render.instances(ctx, all, format, reveal);
        if (format != Format.JSON) {
            // who ends each managed instance at its TIME LEFT: the JSON says it per instance (ttlEnforcedBy)
            all.stream().map(dev.scale.providers.Instance::provider).distinct()
                    .filter(p -> !p.equals("docker") && !p.equals("embedded")).sorted().forEach(p -> ctx.info(p + ": " + switch (Instances.ttlEnforcedBy(p)) {
                        case "service" -> "the service itself ends instances at their TIME LEFT; scale gc is the backstop";
                        case "cluster" -> "the cluster itself ends instances at their TIME LEFT (their Job's deadline)";
                        default -> "the service has no expiry: scale's reaper process ends instances at their TIME LEFT, scale gc after a reboot";
                    }));
            ctx.instances().forwarding().forEach(ctx::info); // the forwarders that keep instances of other machines reachable here
        }
        ctx.instances().dockerUnanswered().ifPresent(ctx::info);
        for (Broken b : ctx.instances().broken()) {
            ctx.info(b.provider() + " instance '" + b.name() + "' is broken: " + b.why() + "; scale gc removes it");
        }
        return 0;
    }
}
