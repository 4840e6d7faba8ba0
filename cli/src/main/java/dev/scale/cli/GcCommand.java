package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.providers.Instance;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Remove instances whose time to live has passed or whose server has died.",
                "Instances remove themselves when their time is up; this catches what a sleeping laptop or a killed process left."})
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        List<Instance> gone = ctx.instances().gc();
        if (gone.isEmpty()) {
            ctx.info("nothing to collect");
        }
        for (Instance i : gone) {
            ctx.out().println("removed " + i.name() + " (" + (i.expired(ctx.clock().instant()) ? "expired" : "dead") + ")");
        }
        ctx.out().flush();
        return 0;
    }
}
