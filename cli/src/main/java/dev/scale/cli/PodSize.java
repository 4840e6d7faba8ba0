package dev.scale.cli;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Provider;
import dev.scale.providers.kubernetes.KubernetesProvider;
import picocli.CommandLine.Option;

/** {@code --memory} and {@code --cpu}: how big a Kubernetes pod is; refused for providers that take no sizes. */
final class PodSize {
    @Option(names = "--memory", paramLabel = "QUANTITY", description = "With --provider kubernetes: the pod's memory, request and limit (e.g. 1Gi). Default: the kind's (256Mi for most).")
    String memory;

    @Option(names = "--cpu", paramLabel = "QUANTITY", description = "With --provider kubernetes: the pod's CPU request (e.g. 500m). Default: 100m.")
    String cpu;

    /** Gives the sizes to the provider chosen; a usage error where it takes none. */
    void applyTo(Provider chosen) {
        if (memory == null && cpu == null) {
            return;
        }
        if (!(chosen instanceof KubernetesProvider k8s)) {
            throw ScaleException.usage((memory != null ? "--memory" : "--cpu") + " sizes a Kubernetes pod, not an instance of --provider " + chosen.name(),
                    "add --provider kubernetes, or leave it out");
        }
        k8s.size(memory, cpu);
    }
}
