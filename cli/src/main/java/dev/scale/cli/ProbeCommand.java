package dev.scale.cli;

import dev.scale.cli.context.Context;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Measure how a datastore behaves under a workload.",
                "Each probe answers one question; scale fit runs several as a scenario and judges them."},
        subcommands = {KvProbeCommand.class})
final class ProbeCommand implements Runnable {
    @ParentCommand
    ScaleCommand parent;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    Context context() {
        return parent.context();
    }

    @Override
    public void run() {
        spec.commandLine().usage(parent.context().out());
    }
}
