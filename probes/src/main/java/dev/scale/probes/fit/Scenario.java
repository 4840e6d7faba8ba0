package dev.scale.probes.fit;

import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A use case as data: a name, a description and requirements (see {@link Requirement}). Read from YAML,
 * either one scale ships ({@link #BUILT_IN}) or a user's file, and checked whole (probes, parameters,
 * rules, metric names) before anything starts, so a typo costs a second, not a run.
 */
public record Scenario(String name, String description, List<Requirement> requirements) {

    /** The scenarios in the jar, from the repository's scenarios/ folder. */
    public static final List<String> BUILT_IN = List.of("sessions", "cache", "job-queue", "events", "files");

    private static final Set<String> SCENARIO_KEYS = Set.of("name", "description", "requirements");
    private static final Set<String> REQUIREMENT_KEYS = Set.of("name", "question", "probe", "params", "pass", "evidence", "not-measured");

    /** A built-in scenario's name, or the path of a YAML file (anything with a / or ending in .yaml or .yml). */
    public static Scenario load(String nameOrPath) {
        return parse(text(nameOrPath), nameOrPath);
    }

    /** The YAML of a built-in scenario or of a file, as written (for --print, and to copy). */
    public static String text(String nameOrPath) {
        if (nameOrPath.contains("/") || nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml")) {
            try {
                return Files.readString(Path.of(nameOrPath), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw ScaleException.usage("no scenario file " + nameOrPath, "built-in scenarios: " + String.join(", ", BUILT_IN));
            } catch (IOException e) {
                throw ScaleException.usage("cannot read " + nameOrPath + ": " + e.getMessage());
            }
        }
        if (!BUILT_IN.contains(nameOrPath)) {
            throw ScaleException.usage("unknown scenario '" + nameOrPath + "'",
                    "built-in: " + String.join(", ", BUILT_IN) + "; or give a YAML file such as ./mine.yaml");
        }
        return builtIn(nameOrPath);
    }

    public static String builtIn(String name) {
        try (InputStream in = Scenario.class.getResourceAsStream("scenarios/" + name + ".yaml")) {
            if (in == null) {
                throw new IllegalStateException("scenario " + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where and what, in one line: SnakeYAML's own message spans lines and repeats the context. */
    private static String yamlProblem(JsonProcessingException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
            return " at line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1)
                    + ": " + m.getProblem();
        }
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
        String first = e.getOriginalMessage().strip().lines().findFirst().orElse("");
        return where + ": " + first;
    }

    /** @param source for messages: the file or built-in name */
    public static Scenario parse(String yaml, String source) {
        Object tree;
        try {
            tree = new ObjectMapper(new YAMLFactory()).readValue(yaml, Object.class);
        } catch (JsonProcessingException e) {
            throw ScaleException.usage(source + " is not valid YAML" + yamlProblem(e));
        }
        Map<String, Object> top = map(tree, source);
        unknownKeys(top, SCENARIO_KEYS, source);
        String name = string(top, "name", source, true);
        String description = string(top, "description", source, false);
        Object reqs = top.get("requirements");
        if (!(reqs instanceof List<?> list) || list.isEmpty()) {
            throw ScaleException.usage(source + ": 'requirements' must be a list with at least one requirement");
        }
        List<Requirement> requirements = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = source + ", requirement " + (i + 1);
            Map<String, Object> r = map(list.get(i), where);
            unknownKeys(r, REQUIREMENT_KEYS, where);
            String reqName = string(r, "name", where, true);
            where = source + ", requirement '" + reqName + "'";
            if (!names.add(reqName)) {
                throw ScaleException.usage(where + " appears twice");
            }
            requirements.add(requirement(r, reqName, where));
        }
        return new Scenario(name, description, List.copyOf(requirements));
    }

    private static Requirement requirement(Map<String, Object> r, String name, String where) {
        String question = string(r, "question", where, false);
        String notMeasured = string(r, "not-measured", where, false);
        String probeName = string(r, "probe", where, false);
        if (notMeasured != null) {
            if (probeName != null || r.containsKey("pass")) {
                throw ScaleException.usage(where + ": give either a probe with pass rules or not-measured, not both");
            }
            return new Requirement(name, question, null, null, List.of(), null, notMeasured);
        }
        if (probeName == null) {
            throw ScaleException.usage(where + " needs a probe (" + Probes.names() + ") or not-measured: <why>");
        }
        VerdictProbe probe = Probes.byName(probeName)
                .orElseThrow(() -> ScaleException.usage(where + ": unknown probe '" + probeName + "'", "probes: " + Probes.names()));
        Object p = r.getOrDefault("params", Map.of());
        Params params;
        try {
            params = Params.of(probe, map(p, where + " params"), false);
            probe.check(params);
        } catch (ScaleException e) {
            throw ScaleException.usage(where + ": " + e.oneLine());
        }
        Object pass = r.get("pass");
        List<Object> rules = pass instanceof List<?> l ? new ArrayList<>(l) : pass == null ? List.of() : List.of(pass);
        if (rules.isEmpty()) {
            throw ScaleException.usage(where + " needs pass: a list of rules such as 'lateness_p99_ms <= 1000'");
        }
        Set<String> metrics = new java.util.LinkedHashSet<>();
        probe.metrics().forEach(m -> metrics.add(m.name()));
        List<Rule> parsed = new ArrayList<>();
        for (Object o : rules) {
            Rule rule;
            try {
                rule = Rule.parse(String.valueOf(o));
            } catch (ScaleException e) {
                throw ScaleException.usage(where + ": " + e.oneLine());
            }
            if (!metrics.contains(rule.metric())) {
                throw ScaleException.usage(where + ": probe " + probe.name() + " measures no '" + rule.metric() + "'",
                        "its metrics: " + String.join(", ", metrics));
            }
            parsed.add(rule);
        }
        String evidence = string(r, "evidence", where, false);
        Requirement req = new Requirement(name, question, probe, params, List.copyOf(parsed), evidence, null);
        for (String m : req.evidenceMetrics()) {
            if (!metrics.contains(m)) {
                throw ScaleException.usage(where + ": the evidence names {" + m + "}, which probe " + probe.name() + " does not measure",
                        "its metrics: " + String.join(", ", metrics));
            }
        }
        return req;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String where) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<Object, Object>) m).forEach((k, v) -> out.put(String.valueOf(k), v));
            return out;
        }
        throw ScaleException.usage(where + " must be a mapping (key: value lines)");
    }

    private static void unknownKeys(Map<String, Object> m, Set<String> known, String where) {
        for (String k : m.keySet()) {
            if (!known.contains(k)) {
                throw ScaleException.usage(where + ": unknown key '" + k + "'", "known: " + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static String string(Map<String, Object> m, String key, String where, boolean required) {
        Object v = m.get(key);
        if (v == null) {
            if (required) {
                throw ScaleException.usage(where + " needs a '" + key + "'");
            }
            return null;
        }
        if (v instanceof Map || v instanceof List) {
            throw ScaleException.usage(where + ": '" + key + "' must be text");
        }
        return String.valueOf(v).strip();
    }
}
