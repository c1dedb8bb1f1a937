package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * topology/ingest.txt is the reviewed picture of the ingest topology. When the code changes it,
 * regenerate the file and review the diff:
 *
 * <pre>mvn -B -ntp -q test -Dtest=IngestTopologyFileTest -Dglimpse.topology.write=true</pre>
 */
class IngestTopologyFileTest {
  static final String REGENERATE =
      "mvn -B -ntp -q test -Dtest=IngestTopologyFileTest -Dglimpse.topology.write=true";

  @Test
  void topologyFileDescribesTheTopologyTheCodeBuilds() throws IOException {
    Path file = Path.of(System.getProperty("glimpse.basedir", "."), "topology", "ingest.txt");
    String described =
        IngestTopology.build(
                IngestTopologyTest.testConfig(),
                Topics.from(Topics.bundledSpecs(), Contract.current()))
            .describe()
            .toString();
    if (Boolean.getBoolean("glimpse.topology.write")) {
      Files.writeString(file, described, StandardCharsets.UTF_8);
    }
    String onDisk = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    assertEquals(
        onDisk,
        described,
        file
            + " does not match the topology the code builds: run `"
            + REGENERATE
            + "` and review the diff");
  }
}
