package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glimpse}, the launcher, run as a process from another folder. It is the real script,
 * copied into a checkout-shaped folder whose {@code target/glimpse.jar} is a manifest-only jar onto
 * this build's classes (the real jar is packaged after the tests run), so it runs the real {@code
 * Main} through {@code java -jar} exactly as it would run the packaged one.
 */
class LauncherTest {
  @TempDir Path tmp;
  private Path launcher;
  private Path elsewhere;

  record Run(int exitCode, String output) {}

  @BeforeEach
  void checkout() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("checkout/bin"));
    launcher = bin.resolve("glimpse");
    Files.copy(Path.of(System.getProperty("glimpse.basedir", "."), "bin", "glimpse"), launcher);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path target = Files.createDirectories(tmp.resolve("checkout/target"));
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      classPath.add(Path.of(entry).toAbsolutePath().toUri().toString());
    }
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
    try (OutputStream out = Files.newOutputStream(target.resolve("glimpse.jar"));
        JarOutputStream jar = new JarOutputStream(out, manifest)) {
      jar.flush();
    }
    elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
  }

  private Run run(Path script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(elsewhere.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("GLIMPSE_JAVA_OPTS", "-Xmx256m -Djava.io.tmpdir=" + tmp);
    Path log = tmp.resolve("launcher.log");
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish");
    } finally {
      process.destroyForcibly();
    }
    return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  @Test
  void helpRunsFromAnotherFolderAndExitsZero() throws Exception {
    Run r = run(launcher, "--help");

    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().startsWith("Usage: glimpse "), r.output());
    assertTrue(r.output().contains("generate") && r.output().contains("demo"), r.output());
  }

  @Test
  void argumentsPassThroughAndTheExitCodeIsGlimpses() throws Exception {
    Run refused =
        run(launcher, "tail", "--bootstrap-servers", "127.0.0.1:1", "--topic", "not a kind");
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(
        refused
            .output()
            .strip()
            .startsWith("glimpse: UNKNOWN_RESULT_KIND: --topic not a kind is not"),
        refused.output());

    Run usage = run(launcher, "generate", "--image", "a.png", "--question", "");
    assertEquals(2, usage.exitCode(), usage.output());
    assertTrue(usage.output().strip().startsWith("glimpse: EMPTY_QUESTION: "), usage.output());
  }

  @Test
  void aSymlinkToTheLauncherStillFindsTheJarBesideTheScript() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("elsewhere/glimpse"), launcher);

    Run r = run(link, "--version");

    assertEquals(0, r.exitCode(), r.output());
    assertEquals("glimpse 0.1.0", r.output().strip());
  }
}
