package dev.scale.probes.fit;

import dev.scale.probes.Measurement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scenarios are read and checked whole before anything runs; rules judge measured metrics. */
class ScenarioTest {

    @Test
    void everyBuiltInScenarioLoadsWithProbesParametersAndRulesThatExist() {
        for (String name : Scenario.BUILT_IN) {
            Scenario s = Scenario.load(name);
            assertThat(s.name()).isEqualTo(name);
            assertThat(s.requirements()).isNotEmpty();
        }
        Scenario sessions = Scenario.load("sessions");
        assertThat(sessions.requirements()).extracting(Requirement::name).containsExactly("small volume", "TTL managed by the DB",
                "K/V model", "multiple writes at the same time", "read on every request", "high availability");
        Requirement ha = sessions.requirements().get(5);
        assertThat(ha.probe().name()).isEqualTo("failover");
        assertThat(ha.notMeasured()).isNull();
    }

    private static void refused(String yaml, String... fragments) {
        assertThatThrownBy(() -> Scenario.parse(yaml, "mine.yaml"))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.oneLine()).contains(fragments).doesNotContain("\n");
                });
    }

    @Test
    void mistakesInAUsersScenarioAreOneLineUsageErrorsNamingTheRequirement() {
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttll\n    pass: [native_ttl == true]\n",
                "requirement 'a'", "unknown probe 'ttll'", "ttl, write-concurrency");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n    pass: [latency_p99 <= 3]\n",
                "measures no 'latency_p99'", "lateness_p99_ms");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n    params: {tl: 2s}\n    pass: [native_ttl == true]\n",
                "no parameter 'tl'", "keys, ttl, poll-every, sweep");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n    params: {ttl: 1h}\n    pass: [native_ttl == true]\n",
                "ttl's ttl must be between 100ms and 10m");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n    pass: [native_ttl <= true]\n", "<= compares numbers");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n    pass: [native_ttl is on]\n", "bad rule");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n", "needs pass");
        refused("name: x\nrequirements:\n  - name: a\n    probe: ttl\n    pass: [native_ttl == true]\n    evidence: '{lateness}'\n",
                "evidence names {lateness}");
        refused("name: x\nrequirements: []\n", "at least one requirement");
        refused("name: x\nrequirments:\n  - name: a\n", "unknown key 'requirments'");
        refused("name: [x\n", "not valid YAML");
        refused("name: x\nrequirements:\n  - name: a\n    not-measured: later\n  - name: a\n    not-measured: later\n", "appears twice");
        assertThatThrownBy(() -> Scenario.load("sesions")).hasMessageContaining("unknown scenario 'sesions'");
        assertThatThrownBy(() -> Scenario.load("./nope.yaml")).hasMessageContaining("no scenario file ./nope.yaml");
    }

    @Test
    void rulesJudgeTheMeasuredValuesAndSayWhatFailed() {
        Scenario s = Scenario.parse("""
                name: x
                requirements:
                  - name: ttl
                    probe: ttl
                    pass: [native_ttl == true, lateness_p99_ms <= 1000]
                    evidence: "p99 lateness {lateness_p99_ms} ms"
                """, "x");
        Requirement r = s.requirements().get(0);
        Fit.Cell pass = Fit.judge(r, "redis", Measurement.of("ttl", Map.of("native_ttl", true, "lateness_p99_ms", 0.93), java.util.List.of()));
        assertThat(pass.verdict()).isEqualTo(Fit.Verdict.PASS);
        assertThat(pass.evidence()).isEqualTo("p99 lateness 0.93 ms");
        Fit.Cell fail = Fit.judge(r, "postgres", Measurement.of("ttl", Map.of("native_ttl", false, "lateness_p99_ms", 1200.0), java.util.List.of()));
        assertThat(fail.verdict()).isEqualTo(Fit.Verdict.FAIL);
        assertThat(fail.evidence()).startsWith("native_ttl false, needs true; lateness_p99_ms 1200, needs <= 1000 — p99 lateness 1200 ms");
        Fit.Cell missing = Fit.judge(r, "x", Measurement.of("ttl", Map.of("native_ttl", true), java.util.List.of()));
        assertThat(missing.verdict()).isEqualTo(Fit.Verdict.FAIL);
        assertThat(missing.evidence()).contains("lateness_p99_ms not measured");
        Fit.Cell na = Fit.judge(r, "x", Measurement.notApplicable("ttl", "no TTL at all", Map.of()));
        assertThat(na.verdict()).isEqualTo(Fit.Verdict.NA);
        assertThat(na.verdict().label()).isEqualTo("N/A");
    }
}
