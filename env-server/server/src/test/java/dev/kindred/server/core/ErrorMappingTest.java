package dev.kindred.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** Every failure becomes one status, with the message the client is meant to read. */
class ErrorMappingTest {
  private final ErrorMapping errors = new ErrorMapping("ask for less", "free some memory");

  @Test
  void requestErrorsKeepTheirMessageUnderTheirCode() {
    for (EnvException.Kind kind : EnvException.Kind.values()) {
      Status s = errors.toStatus("Step", new EnvException(kind, "what was wrong"));
      assertEquals(kind.name(), s.getCode().name());
      assertEquals("what was wrong", s.getDescription());
    }
    Status k = errors.toStatus("ListWorlds", new KindredException("INVALID_ARGUMENT", "config: a key is null"));
    assertEquals(Status.Code.INVALID_ARGUMENT, k.getCode());
    assertEquals("config: a key is null", k.getDescription());
    Status passed = Status.DEADLINE_EXCEEDED.withDescription("late");
    assertEquals(passed, errors.toStatus("Step", passed.asRuntimeException()));
  }

  @Test
  void sizesAndMemoryAreResourceExhaustedWithAdvice() {
    Status overflow = errors.toStatus("Step", new ArithmeticException("integer overflow"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, overflow.getCode());
    assertEquals("the requested sizes overflow this server's buffers (integer overflow); ask for less",
        overflow.getDescription());
    Status memory = errors.toStatus("CreateSession", new OutOfMemoryError("Java heap space"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, memory.getCode());
    assertEquals("the server ran out of memory serving CreateSession; free some memory", memory.getDescription());
  }

  @Test
  void anythingElseIsInternalWithAnErrorId() {
    for (Throwable t : new Throwable[] {new IllegalStateException("boom"), new KindredException("NO_SUCH", "x"),
        new StackOverflowError()}) {
      Status s = errors.toStatus("Step", t);
      assertEquals(Status.Code.INTERNAL, s.getCode());
      assertTrue(s.getDescription().matches("internal server error in Step \\(error id [0-9a-f]{8}, see the server "
          + "log\\): " + t.getClass().getSimpleName()), s.getDescription());
    }
  }

  @Test
  void longDescriptionsAreCutSoTheyFitATrailer() {
    String huge = "unknown world '" + "w".repeat(100_000) + "'";
    for (Throwable t : new Throwable[] {EnvException.notFound(huge), new KindredException("NOT_FOUND", huge),
        Status.NOT_FOUND.withDescription(huge).asRuntimeException()}) {
      Status s = errors.toStatus("CreateSession", t);
      assertEquals(Status.Code.NOT_FOUND, s.getCode());
      assertEquals(ErrorMapping.MAX_DESCRIPTION_CHARS + "... (100016 characters)".length(), s.getDescription().length());
      assertTrue(s.getDescription().startsWith("unknown world 'www"), s.getDescription());
    }
  }

  @Test
  void descriptionsOutsideAsciiAreCutToFitATrailerToo() {
    String cjk = "\u4e16".repeat(1000); // 1000 characters of 3 UTF-8 bytes: 9000 bytes percent-encoded
    Status s = errors.toStatus("CreateSession", EnvException.notFound("unknown world '" + cjk + "'"));
    String d = s.getDescription();
    assertTrue(d.length() < 700 && d.startsWith("unknown world '\u4e16") && d.endsWith("(1016 characters)"), d);
  }
}
