package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.cli.output.Table;
import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Kind;
import dev.scale.providers.lifecycle.Instances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Say, one line each, what scale can use on this machine now, and why not:",
                "the Docker engine, each kind's embedded server, the managed services (a key set, the API answering),",
                "scale's directories, its config and overrides."},
        footer = {"", "Exit code: 0 when at least one provider can start instances, 3 when none can.",
                "", "Examples:", "  scale doctor", "  scale doctor --output json"})
final class DoctorCommand implements Callable<Integer> {
    /** Below this, a start may run out of room (PostgreSQL's initdb alone writes ~40 MB). */
    static final long LOW_SPACE = 256L * 1024 * 1024;

    @ParentCommand
    ScaleCommand parent;

    @Mixin
    OutputOption.TableOrJson output;

    /** @param status {@code ok}, {@code no} (cannot be used, detail says why and the way out) or {@code note} */
    record Check(String check, String status, String detail) {
    }

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        List<Check> checks = new ArrayList<>();
        Optional<String> brokenConfig = configCheck(ctx, checks);
        directory(checks, "state", ctx.dirs().state());
        directory(checks, "cache", ctx.dirs().cache());
        boolean usable = false;
        if (brokenConfig.isEmpty()) {
            Instances instances = ctx.instances();
            Optional<String> noDocker = instances.docker().unavailableReason();
            if (noDocker.isEmpty()) {
                usable = true;
                checks.add(new Check("docker", "ok", describe(instances) + "; images: " + images(ctx)));
            } else {
                checks.add(new Check("docker", "no", noDocker.get()));
            }
            // configured or not, from the kubeconfig or the pod alone: doctor does not reach into a cluster nobody asked for
            Optional<String> noCluster = instances.kubernetes().unavailableReason();
            checks.add(new Check("kubernetes", noCluster.isEmpty() ? "ok" : "no",
                    noCluster.orElse("a cluster is configured (--provider kubernetes uses its current context and namespace)")));
            checks.addAll(managed(ctx, instances));
            EmbeddedRecipe.Machine machine = instances.embedded().machine();
            for (Datastores.Datastore d : Datastores.ALL) {
                Kind kind = d.kind();
                Optional<String> why = kind.embedded().unavailable(machine);
                if (why.isPresent()) {
                    checks.add(new Check("embedded " + kind.name(), "no", why.get()));
                } else {
                    usable = true;
                    checks.add(new Check("embedded " + kind.name(), "ok", kind.name() + " " + kind.embedded().version(machine)
                            + " (" + kind.embedded().source() + ")"));
                }
            }
        }
        if (format == Format.JSON) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("usable", usable);
            json.put("checks", checks);
            ctx.out().println(Render.json(json));
        } else {
            List<List<String>> rows = checks.stream().map(c -> List.of(c.check(), c.status(), c.detail())).toList();
            ctx.out().print(Table.aligned(List.of("CHECK", "STATUS", "DETAIL"), rows));
        }
        ctx.out().flush();
        if (!usable) {
            throw new ScaleException(ExitCode.ENVIRONMENT, brokenConfig.orElse("no provider can start instances here"),
                    brokenConfig.isPresent() ? null : "start a Docker engine, or use a machine where the embedded servers run (linux or macOS, amd64 or arm64)",
                    null);
        }
        return 0;
    }

    /** The config file, read as every command reads it; its overrides are notes, since they change what scale starts. */
    /** How long doctor waits for each managed service's API: offline is a finding, not a wait. */
    static final java.time.Duration SERVICE_TIMEOUT = java.time.Duration.ofSeconds(6);

    /** One line per managed service, asked in parallel, each within {@link #SERVICE_TIMEOUT}. */
    private static List<Check> managed(Context ctx, Instances instances) {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scale-doctor");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, String> stored = new dev.scale.providers.managed.Credentials(ctx.dirs()).stored();
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (dev.scale.providers.managed.ManagedService m : instances.managed()) {
                answers.add(pool.submit(m::check));
            }
            List<Check> checks = new ArrayList<>();
            long deadline = System.nanoTime() + SERVICE_TIMEOUT.toNanos();
            for (int n = 0; n < answers.size(); n++) {
                dev.scale.providers.managed.ManagedService m = instances.managed().get(n);
                List<String> fromLogin = m.credentials().stream().map(dev.scale.providers.managed.ManagedService.Credential::variable)
                        .filter(v -> stored.containsKey(v) && !ctx.env().containsKey(v)).toList();
                String source = fromLogin.isEmpty() ? "" : " (" + String.join(", ", fromLogin) + " from scale login)";
                try {
                    String detail = answers.get(n).get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                    checks.add(new Check(m.name(), "ok", detail + source));
                } catch (java.util.concurrent.TimeoutException e) {
                    checks.add(new Check(m.name(), "no", m.service() + "'s API did not answer within " + SERVICE_TIMEOUT.toSeconds() + " s"
                            + source + " — check the network, or " + m.apiUrlVariable() + " if you set it"));
                } catch (java.util.concurrent.ExecutionException e) {
                    checks.add(new Check(m.name(), "no", (e.getCause() instanceof ScaleException se ? se.oneLine()
                            : String.valueOf(e.getCause().getMessage())) + source));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return checks;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Optional<String> configCheck(Context ctx, List<Check> checks) {
        try {
            ctx.config();
        } catch (ScaleException e) {
            checks.add(new Check("config", "no", e.oneLine()));
            return Optional.of(e.oneLine());
        }
        // what moves where scale goes or what it trusts: images, registry, engine, managed services' API URLs, TLS authorities
        List<String> set = ctx.env().keySet().stream().filter(k -> k.startsWith("SCALE_IMAGE_") || k.equals("SCALE_REGISTRY")
                || k.equals("SCALE_TTL") || k.equals("DOCKER_HOST") || k.equals("SCALE_CA_FILE")
                || k.startsWith("SCALE_") && (k.endsWith("_API_URL") || k.endsWith("_CLAIMABLE_URL") || k.endsWith("_ADDRESS_URL")))
                .sorted().map(k -> k + "=" + ctx.env().get(k)).toList();
        Path file = ctx.dirs().config().resolve("config.properties");
        String detail = (Files.exists(file) ? file.toString() : "no config file (" + file + ")")
                + (set.isEmpty() ? "" : "; set in the environment: " + String.join(", ", set));
        checks.add(new Check("config", set.isEmpty() ? "ok" : "note", detail));
        return Optional.empty();
    }

    /** Whether scale can write there, and the room left; a directory not made yet is judged by its nearest parent. */
    private static void directory(List<Check> checks, String what, Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            checks.add(new Check(what, "no", dir + " cannot be written (" + (existing == null ? "no parent" : existing + " is not a writable directory")
                    + ") — move it with SCALE_" + what.toUpperCase(java.util.Locale.ROOT) + "_DIR"));
            return;
        }
        try {
            long free = Files.getFileStore(existing).getUsableSpace();
            String size = Files.isDirectory(dir) ? ", holds " + mib(CacheCommand.size(dir)) : "";
            if (free < LOW_SPACE) {
                checks.add(new Check(what, "no", dir + ": only " + mib(free) + " free — free some space, or move it with SCALE_"
                        + what.toUpperCase(java.util.Locale.ROOT) + "_DIR"));
            } else {
                checks.add(new Check(what, "ok", dir + size + ", " + mib(free) + " free"));
            }
        } catch (IOException e) {
            checks.add(new Check(what, "no", dir + ": " + e.getMessage()));
        }
    }

    private static String describe(Instances instances) {
        try {
            return instances.docker().describeEngine();
        } catch (RuntimeException e) {
            return "the engine answers";
        }
    }

    private static String images(Context ctx) {
        List<String> names = new ArrayList<>();
        for (Datastores.Datastore d : Datastores.ALL) {
            Kind k = d.kind();
            String override = ctx.env().get("SCALE_IMAGE_" + k.name().toUpperCase(java.util.Locale.ROOT));
            names.add(override != null ? override + " (SCALE_IMAGE_" + k.name().toUpperCase(java.util.Locale.ROOT) + ")" : k.officialImage(k.defaultVersion()));
        }
        return String.join(", ", names);
    }

    private static String mib(long bytes) {
        return bytes >= 10L * 1024 * 1024 * 1024 ? bytes / (1024L * 1024 * 1024) + " GiB" : bytes / (1024 * 1024) + " MiB";
    }

}
