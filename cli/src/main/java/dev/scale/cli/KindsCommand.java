package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.cli.output.Table;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "kinds", mixinStandardHelpOptions = true,
        description = {"List the datastores scale can start: what each is, its Docker image, whether it runs without Docker,",
                "its URL and connection variables, and what an --init file holds for it."},
        footer = {"", "Examples:", "  scale kinds", "  scale kinds --output json", "  scale kinds --output markdown   (README's table)"})
final class KindsCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Mixin
    OutputOption.TableJsonOrMarkdown output;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Datastores.Datastore d : Datastores.ALL) {
            Kind k = d.kind();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", k.name());
            row.put("aliases", k.aliases());
            row.put("what", k.summary());
            row.put("image", k.officialImage(k.defaultVersion()));
            row.put("embedded", k.embedded().source());
            row.put("url", k.urlExample());
            row.put("env", List.copyOf(k.env(sample(k)).keySet()));
            row.put("init", d.shell() == null ? "none yet (no shell)" : d.shell().initFormat());
            rows.add(row);
        }
        if (format == Format.JSON) {
            ctx.out().println(Render.json(rows));
        } else {
            List<String> header = List.of("KIND", "ALIASES", "WHAT", "DOCKER IMAGE", "WITHOUT DOCKER", "URL", "VARIABLES", "--init FILE");
            List<List<String>> cells = rows.stream().map(r -> r.values().stream()
                    .map(v -> v instanceof List<?> l ? String.join(", ", l.stream().map(String::valueOf).toList()) : String.valueOf(v)).toList()).toList();
            ctx.out().print(format == Format.MARKDOWN ? Table.markdown(header, cells) : Table.aligned(header, cells));
        }
        ctx.out().flush();
        return 0;
    }

    /** An endpoint to read a kind's variable names from; no value of it is shown. */
    private static Endpoint sample(Kind k) {
        return new Endpoint("127.0.0.1", k.containerPort(), k.defaultUsername(), Secret.of("PASSWORD"), k.defaultDatabase(), k.servicePorts());
    }
}
