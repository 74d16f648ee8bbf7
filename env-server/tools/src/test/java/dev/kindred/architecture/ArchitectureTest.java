package dev.kindred.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The architecture the README draws, enforced: the core and the worlds know nothing of gRPC or
 * protobuf, the server knows no world's rules and no tool, and no package cycles. (The Maven
 * module graph enforces most of this too; these rules name the breach when someone adds a
 * dependency to a pom to get around it.)
 */
@AnalyzeClasses(packages = "dev.kindred", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] CORE = {"dev.kindred.env", "dev.kindred.local"};
  private static final String[] WORLDS = {"dev.kindred.env.energy..", "dev.kindred.env.spin.."};
  private static final String[] WIRE = {"io.grpc..", "com.google.protobuf..", "dev.kindred.proto..",
      "dev.kindred.protocol..", "dev.kindred.dmenv.proto.."};
  private static final String[] SERVER = {"dev.kindred.server..", "dev.kindred.dmenv.."};
  private static final String[] TOOLS = {"dev.kindred.bench..", "dev.kindred.plot..", "dev.kindred.crosslang..",
      "dev.kindred.cli.."};

  @ArchTest
  static final ArchRule coreKnowsNoWire = noClasses().that().resideInAnyPackage(CORE)
      .should().dependOnClassesThat().resideInAnyPackage(WIRE)
      .because("the api module is engine-neutral: worlds and training code compile without gRPC");

  @ArchTest
  static final ArchRule worldsKnowNoWire = noClasses().that().resideInAnyPackage(WORLDS)
      .should().dependOnClassesThat().resideInAnyPackage(WIRE)
      .because("a world never imports gRPC or protobuf");

  @ArchTest
  static final ArchRule coreKnowsNoWorld = noClasses().that().resideInAnyPackage(CORE)
      .should().dependOnClassesThat().resideInAnyPackage(WORLDS)
      .because("worlds plug into the core through the World SPI and ServiceLoader");

  @ArchTest
  static final ArchRule serverKnowsNoWorldRules = noClasses().that().resideInAnyPackage(SERVER)
      .should().dependOnClassesThat().resideInAnyPackage(WORLDS)
      .because("the server adapts any world to the protocols through the World SPI");

  @ArchTest
  static final ArchRule serverKnowsNoTool = noClasses().that().resideInAnyPackage(SERVER)
      .should().dependOnClassesThat().resideInAnyPackage(TOOLS)
      .because("benchmarks, measurements and the command line sit on top of the server");

  @ArchTest
  static final ArchRule worldsAndCoreKnowNoServerOrTool = noClasses().that().resideInAnyPackage(CORE)
      .or().resideInAnyPackage(WORLDS)
      .should().dependOnClassesThat().resideInAnyPackage(SERVER)
      .orShould().dependOnClassesThat().resideInAnyPackage(TOOLS)
      .orShould().dependOnClassesThat().resideInAPackage("dev.kindred.client..");

  @ArchTest
  static final ArchRule clientKnowsNoServer = noClasses().that().resideInAPackage("dev.kindred.client..")
      .should().dependOnClassesThat().resideInAnyPackage(SERVER)
      .orShould().dependOnClassesThat().resideInAnyPackage(WORLDS)
      .because("the Java client depends on the contract and the api only");

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("dev.kindred.(**)").should().beFreeOfCycles();
}
