package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.providers.lifecycle.Instances;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Remove instances whose time to live has passed, whose server has died, or that are orphaned",
                "(the scale up, try or run that made them was killed before handing them over or removing them).",
                "Instances remove themselves when their time is up; this catches what a sleeping laptop or a killed process left."})
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Option(names = "--dry-run", description = "Only list what would be removed, and why.")
    boolean dryRun;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        List<Instances.Collectable> gone = dryRun ? ctx.instances().collectable() : ctx.instances().gc();
        ctx.instances().dockerUnanswered().ifPresent(ctx::info);
        if (gone.isEmpty()) {
            ctx.info("nothing to collect");
        }
        for (Instances.Collectable c : gone) {
            ctx.out().println((dryRun ? "would remove " : "removed ") + c.name() + " (" + c.provider() + ", " + c.why() + ")");
        }
        ctx.out().flush();
        return 0;
    }
}
