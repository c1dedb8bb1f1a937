package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python example's Parsing Canonical Form (written from the Avro specification, not
 * python-avro's) gives every schema of schemas/ and schemas/history/ the fingerprint Java gives it,
 * so a Python producer's single-object header is one Glimpse's readers know.
 */
class PythonFingerprintsTest {
  @TempDir Path tmp;

  @Test
  void pythonFingerprintsEveryCurrentAndReleasedSchemaAsJavaDoes() throws Exception {
    PythonClients python = PythonClients.find(tmp);
    PythonClients.Run run = python.run(Duration.ofSeconds(60), "glimpse_wire.py", "fingerprints");
    assertEquals(0, run.exitCode(), run.output());
    Path history = Path.of(System.getProperty("glimpse.basedir", "."), "schemas", "history");
    Set<String> historyFiles = new HashSet<>();
    Set<String> current = new HashSet<>();
    for (String line : run.lines()) {
      String[] f = line.split(" ");
      assertEquals(3, f.length, "source, full name, fingerprint: " + line);
      Schema java =
          f[0].equals("current")
              ? SpecificData.get().getSchema(Class.forName(f[1]))
              : new Schema.Parser()
                  .parse(Files.readString(history.resolve(f[0].substring("history/".length()))));
      assertEquals(f[1], java.getFullName(), line);
      assertEquals(
          String.format("%016x", SchemaNormalization.parsingFingerprint64(java)),
          f[2],
          f[0]
              + " "
              + f[1]
              + ": Python's fingerprint differs from SchemaNormalization.parsingFingerprint64");
      (f[0].equals("current") ? current : historyFiles).add(f[0].equals("current") ? f[1] : f[0]);
    }
    assertEquals(
        Contract.shippedHistory().size(),
        historyFiles.size(),
        "every file of history/versions.txt:\n" + run.output());
    for (String name :
        List.of(
            "ImageEvent",
            "InferenceRequest",
            "CaptionResult",
            "AnswerResult",
            "ModerationResult",
            "ResultCacheEntry",
            "DeadLetter",
            "ErrorCode")) {
      assertTrue(
          current.contains("dev.glimpse.contract." + name),
          name + " missing from:\n" + run.output());
    }
  }
}
