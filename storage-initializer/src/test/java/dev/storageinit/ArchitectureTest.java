package dev.storageinit;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shape of the code, checked on the main classes of every module (storage-initializer's test classpath holds
 * them all): no package cycles within {@code dev.storageinit..}, and providers and the CLI use only the public API
 * ({@code dev.storageinit}) and the SPI ({@code dev.storageinit.spi..}: spi, spi.support, spi.http), never the
 * engine in {@code dev.storageinit.internal..}; so does the testkit, whose in-memory provider is a provider too.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.storageinit");

    /** Every package its own slice, the root package {@code dev.storageinit} included. */
    private static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            return p.equals("dev.storageinit") || p.startsWith("dev.storageinit.")
                    ? SliceIdentifier.of(p)
                    : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of dev.storageinit";
        }
    };

    @Test
    void packagesAreFreeOfCycles() {
        slices().assignedFrom(PACKAGES)
                .should()
                .beFreeOfCycles()
                // The two deliberate edges out of the public API package, which every other package depends on:
                // the facade Storage (and its Builder) starts the engine (internal.TransferEngine, ProviderRegistry)
                // over the providers (spi.StorageProvider); and the public types scrub their own text with the one
                // scrubber (StorageException's message and cause, ModelUri's secret query parameters). Any other
                // class of dev.storageinit reaching into a sub-package still fails this rule.
                .ignoreDependency(
                        nameMatching("dev\\.storageinit\\.Storage(\\$.*)?"), resideInAPackage("dev.storageinit.."))
                .ignoreDependency(
                        resideInAPackage("dev.storageinit"),
                        nameMatching("dev\\.storageinit\\.spi\\.support\\.Redactor(\\$.*)?"))
                .check(CLASSES);
    }

    @Test
    void providersAndTheCliDoNotUseTheEngine() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.storageinit.s3..",
                        "dev.storageinit.gcs..",
                        "dev.storageinit.azure..",
                        "dev.storageinit.http..",
                        "dev.storageinit.pvc..",
                        "dev.storageinit.testkit..",
                        "dev.storageinit.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.storageinit.internal..")
                .because("providers (the testkit's in-memory one too), the suite and the CLI use only dev.storageinit "
                        + "and dev.storageinit.spi.. (spi, spi.support, spi.http); what they need from the engine "
                        + "belongs in spi.support")
                .check(CLASSES);
    }

    /** Each provider, and the CLI, sees the API, the SPI and its own package: no other provider's, not the testkit's. */
    @ParameterizedTest
    @ValueSource(strings = {"s3", "gcs", "azure", "http", "pvc", "cli"})
    void aModuleUsesOnlyTheApiTheSpiAndItsOwnPackage(String module) {
        String own = "dev.storageinit." + module + "..";
        classes()
                .that()
                .resideInAPackage(own)
                .should()
                .onlyDependOnClassesThat(resideOutsideOfPackage("dev.storageinit..")
                        .or(resideInAnyPackage("dev.storageinit", "dev.storageinit.spi..", own)))
                .check(CLASSES);
    }
}
