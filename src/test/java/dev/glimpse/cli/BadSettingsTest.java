package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A setting a process cannot use stops it with one coded line, before it connects to anything. */
class BadSettingsTest {
  @Test
  void aWorkerSettingThatIsNotANumberIsOneBadSettingLine() {
    // no broker listens there: the setting is refused before any connection is tried
    CommandRun r =
        CommandRun.of(
            "worker",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "-p",
            "glimpse.worker.max.batch.size=eight");

    assertEquals(1, r.exitCode(), r.err());
    assertEquals(
        "glimpse: BAD_SETTING: setting glimpse.worker.max.batch.size must be a whole number,"
            + " got 'eight'; fix it in the properties file (--config), the GLIMPSE_* environment or"
            + " -p",
        r.err().strip());
  }

  @Test
  void anIngestSettingThatIsNotANumberIsOneBadSettingLine() {
    CommandRun r =
        CommandRun.of(
            "ingest", "--bootstrap-servers", "127.0.0.1:1", "-p", "glimpse.image.max.bytes=ten");

    assertEquals(1, r.exitCode(), r.err());
    assertEquals(
        "glimpse: BAD_SETTING: setting glimpse.image.max.bytes must be a whole number, got 'ten';"
            + " fix it in the properties file (--config), the GLIMPSE_* environment or -p",
        r.err().strip());
  }
}
