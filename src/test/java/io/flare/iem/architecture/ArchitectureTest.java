package io.flare.iem.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms of the house and their doors, checked on the compiled production classes: shared leaf
 * types in leaf packages, Okta's client knowing nothing of gRPC or of the capabilities, storage
 * knowing nothing of Okta, and no two packages depending on each other.
 */
class ArchitectureTest {

  static final String ROOT = "io.flare.iem";
  static final String[] CAPABILITIES = {ROOT + ".integrationconfig..", ROOT + ".identitysync..",
      ROOT + ".credentialcheck.."};
  static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(ROOT);
  }

  @Test
  void okta_knows_no_capability_and_nothing_of_grpc() {
    noClasses().that().resideInAPackage(ROOT + ".okta..")
        .should().dependOnClassesThat().resideInAnyPackage(CAPABILITIES)
        .orShould().dependOnClassesThat().resideInAnyPackage(ROOT + ".grpc..", ROOT + ".v1..", "io.grpc..",
            "io.vertx.grpc..")
        .because("the Okta client is an outbound port every capability shares; mapping its failures to gRPC"
            + " statuses is the edge's job (GrpcErrors)")
        .check(classes);
  }

  @Test
  void storage_knows_nothing_of_okta() {
    noClasses().that().resideInAPackage(ROOT + ".storage..")
        .should().dependOnClassesThat().resideInAPackage(ROOT + ".okta..")
        .check(classes);
  }

  @Test
  void identity_sync_and_integration_config_know_nothing_of_credential_checks() {
    noClasses().that().resideInAnyPackage(ROOT + ".identitysync..", ROOT + ".integrationconfig..")
        .should().dependOnClassesThat().resideInAPackage(ROOT + ".credentialcheck..")
        .because("checks are built on identities and integrations, not the other way round")
        .check(classes);
  }

  @Test
  void the_domain_failure_type_is_a_leaf() {
    noClasses().that().resideInAPackage(ROOT + ".failure..")
        .should().dependOnClassesThat().resideOutsideOfPackages(ROOT + ".failure..", "java..")
        .check(classes);
  }

  @Test
  void no_two_packages_depend_on_each_other() {
    slices().matching(ROOT + ".(*)..")
        .should().beFreeOfCycles()
        .check(classes);
  }
}
