package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ResultCacheEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/** schemas/README.md lists the fingerprint of every schema a reader knows; this keeps it true. */
class SchemaFingerprintsTest {

  @Test
  void theWireFormatPageListsTheFingerprintOfEveryCurrentAndReleasedSchema() throws IOException {
    String page =
        Files.readString(
            Path.of(System.getProperty("glimpse.basedir", "."), "schemas", "README.md"));
    List<Schema> schemas =
        new ArrayList<>(
            List.of(
                ImageEvent.getClassSchema(),
                InferenceRequest.getClassSchema(),
                CaptionResult.getClassSchema(),
                AnswerResult.getClassSchema(),
                ModerationResult.getClassSchema(),
                ResultCacheEntry.getClassSchema(),
                DeadLetter.getClassSchema()));
    schemas.addAll(Contract.shippedHistory());
    for (Schema s : schemas) {
      String hex = String.format("%016x", SchemaNormalization.parsingFingerprint64(s));
      assertTrue(
          page.contains("| " + s.getName() + " |") && page.contains("`" + hex + "`"),
          "schemas/README.md lacks "
              + s.getName()
              + "'s fingerprint "
              + hex
              + ": update its table");
    }
  }
}
