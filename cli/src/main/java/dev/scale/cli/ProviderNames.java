package dev.scale.cli;

import dev.scale.providers.lifecycle.Instances;
import java.util.Iterator;

/** What --provider takes, for help and completion: read from the registry, so a new service needs no help text here. */
final class ProviderNames implements Iterable<String> {
    static final String HELP = "auto is docker if an engine answers, else embedded; kubernetes is the kubeconfig's cluster; the others"
            + " are managed services (credentials from the environment or scale login; see scale doctor); auto never picks these."
            + " Default: ${DEFAULT-VALUE}";

    @Override
    public Iterator<String> iterator() {
        return Instances.providerNames().iterator();
    }
}
