package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOError;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class RecordErrorsTest {

  @Test
  void errorsTheJvmSurvivesBelongToTheRecord() {
    assertTrue(RecordErrors.isTheRecords(new StackOverflowError()));
    assertTrue(RecordErrors.isTheRecords(new OutOfMemoryError("Java heap space")));
    assertTrue(RecordErrors.isTheRecords(new AssertionError("invariant")));
    assertTrue(RecordErrors.isTheRecords(new IOError(new IOException("disk"))));
  }

  @Test
  @SuppressWarnings("removal")
  void errorsOfTheJvmOrTheBuildStillStopIngest() {
    assertFalse(RecordErrors.isTheRecords(new InternalError("jit")));
    assertFalse(RecordErrors.isTheRecords(new UnknownError("?")));
    assertFalse(RecordErrors.isTheRecords(new NoClassDefFoundError("dev/glimpse/Missing")));
    assertFalse(RecordErrors.isTheRecords(new ExceptionInInitializerError("static init")));
    assertFalse(RecordErrors.isTheRecords(new ThreadDeath()));
  }

  @Test
  void messagesSayWhatRanOutAndWhatToDo() {
    String oom =
        DeadLetterProcessingHandler.message(
            "validate",
            new RecordErrors.Failed("validate", new OutOfMemoryError("Java heap space")));
    assertTrue(
        oom.startsWith("ingest ran out of memory in step validate") && oom.contains("-Xmx"), oom);
    String soe =
        DeadLetterProcessingHandler.message(
            "validate", new RecordErrors.Failed("validate", new StackOverflowError()));
    assertTrue(
        soe.contains("java.lang.StackOverflowError")
            && soe.contains("-Xss")
            && !soe.contains("null"),
        soe);
    String bug = DeadLetterProcessingHandler.message("hash", new IllegalStateException("boom"));
    assertTrue(
        bug.contains("in step hash (java.lang.IllegalStateException: boom)")
            && bug.contains("report it"),
        bug);
  }
}
