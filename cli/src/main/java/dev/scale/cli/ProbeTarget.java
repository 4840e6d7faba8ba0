package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.ProgressLines;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every probe command takes: where to run (--on, --provider) and how to report (--output). */
final class ProbeTarget {
    @Option(names = "--on", required = true, paramLabel = "TARGET", description = "An instance name, a kind (disposable), or a URL.")
    String on;

    @Option(names = "--provider", defaultValue = "auto", paramLabel = "P", completionCandidates = ProviderNames.class, description = "For a disposable instance: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}")
    String provider;

    @picocli.CommandLine.Mixin
    OutputOption.TableOrJson output;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** Checks --output; call before anything starts. */
    boolean json() {
        return output.format() == Format.JSON;
    }

    Target resolve(Context ctx) {
        boolean providerGiven = mixee.commandLine().getParseResult().hasMatchedOption("--provider");
        return Target.resolve(ctx, on, provider, new ProgressLines(ctx), providerGiven);
    }

    /** Removes the target if the probe started it. */
    static void release(Context ctx, Target target) {
        if (target.disposable()) {
            ctx.instances().down(List.of(target.instance().name()));
        }
    }
}
