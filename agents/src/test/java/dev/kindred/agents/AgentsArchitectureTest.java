package dev.kindred.agents;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The brains reach worlds through the VectorEnv interface only, never through the server. */
@AnalyzeClasses(packages = "dev.kindred.agents", importOptions = ImportOption.DoNotIncludeTests.class)
class AgentsArchitectureTest {

  @ArchTest
  static final ArchRule noServerInternals = noClasses().should().dependOnClassesThat()
      .resideInAnyPackage("dev.kindred.server..", "dev.kindred.dmenv..", "dev.kindred.protocol..",
          "dev.kindred.proto..", "io.grpc..", "com.google.protobuf..")
      .because("agents train through VectorEnv, in process or remote, never through server internals");

  @ArchTest
  static final ArchRule noWorldInternals = noClasses().should().dependOnClassesThat()
      .resideInAnyPackage("dev.kindred.env.energy..", "dev.kindred.env.spin..")
      .because("a brain sees a world only through its spec and observations");

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("dev.kindred.agents.(**)").should().beFreeOfCycles();
}
