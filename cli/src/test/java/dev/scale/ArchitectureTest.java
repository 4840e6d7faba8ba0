package dev.scale;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The structure scale keeps, so that a datastore is one package per module plus one registry line: no
 * package cycles, modules layered errors ← providers ← probes ← cli, and each kind known only to its own
 * packages and the registry.
 */
class ArchitectureTest {
    /** A datastore's own packages, in each module; group 1 is the kind. */
    private static final Pattern KIND_PACKAGE = Pattern.compile("dev\\.scale\\.(?:providers\\.kinds|probes\\.stores|cli\\.shell)\\.([a-z0-9]+)(?:\\..*)?");
    /** The one class that names every kind. */
    private static final String REGISTRY = "dev.scale.cli.Datastores";

    private static JavaClasses scale;

    @BeforeAll
    static void importMainClasses() {
        // The product's classes only: test classes and test-jars (fixtures that start several kinds) are not part of the structure.
        ImportOption mainOnly = location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");
        scale = new ClassFileImporter().withImportOption(mainOnly).importPackages("dev.scale");
        assertThat(scale.stream().map(JavaClass::getPackageName).distinct())
                .as("the import sees every module").contains("dev.scale.errors", "dev.scale.providers", "dev.scale.probes", "dev.scale.cli");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.scale.(**)").should().beFreeOfCycles().check(scale);
    }

    @Test
    void modulesAreLayered() {
        noClasses().that().resideInAPackage("dev.scale.errors..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.scale.providers..", "dev.scale.probes..", "dev.scale.cli..").check(scale);
        noClasses().that().resideInAPackage("dev.scale.providers..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.scale.probes..", "dev.scale.cli..").check(scale);
        noClasses().that().resideInAPackage("dev.scale.probes..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.scale.cli..").check(scale);
    }

    @Test
    void noKindPackageUsesAnotherKindsPackage() {
        classes().that().resideInAnyPackage("dev.scale.providers.kinds..", "dev.scale.probes.stores..", "dev.scale.cli.shell.*..")
                .should(new ArchCondition<>("use only their own kind's packages") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        Optional<String> own = kindOf(c);
                        for (Dependency d : c.getDirectDependenciesFromSelf()) {
                            Optional<String> other = kindOf(d.getTargetClass());
                            if (own.isPresent() && other.isPresent() && !own.equals(other)) {
                                events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                            }
                        }
                    }
                }).check(scale);
    }

    @Test
    void onlyTheRegistryAndAKindsOwnPackagesKnowAKind() {
        classes().that().resideOutsideOfPackages("dev.scale.providers.kinds..", "dev.scale.probes.stores..").and().doNotHaveFullyQualifiedName(REGISTRY)
                .should(new ArchCondition<>("not depend on, nor test instanceof, a particular kind's classes") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        if (kindOf(c).isPresent() || c.getName().startsWith(REGISTRY + "$")) {
                            return;
                        }
                        for (Dependency d : c.getDirectDependenciesFromSelf()) {
                            if (kindOf(d.getTargetClass()).isPresent()) {
                                events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                            }
                        }
                        c.getCodeUnits().forEach(u -> u.getInstanceofChecks().forEach(check -> {
                            if (kindOf(check.getRawType()).isPresent()) {
                                events.add(SimpleConditionEvent.violated(check, c.getName() + " tests instanceof " + check.getRawType().getName() + " in " + check.getSourceCodeLocation()));
                            }
                        }));
                    }
                }).check(scale);
    }

    @Test
    void theRulesSeeAViolation() {
        // The kind rule would be blind if no class matched it: the registry itself is what it exempts.
        JavaClass registry = scale.get(REGISTRY);
        assertThat(registry.getDirectDependenciesFromSelf()).anyMatch(d -> kindOf(d.getTargetClass()).isPresent());
        // every kind of the registry has its packages, and no package belongs to a kind the registry lacks
        List<String> registered = dev.scale.cli.Main.context(null, null, java.util.Map.of(), false).kinds().all().stream().map(k -> k.name()).toList();
        assertThat(scale.stream().filter(c -> kindOf(c).isPresent()).map(c -> kindOf(c).get()).distinct()).containsExactlyInAnyOrderElementsOf(registered);
    }

    private static Optional<String> kindOf(JavaClass c) {
        Matcher m = KIND_PACKAGE.matcher(c.getPackageName());
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
