package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.model.Fixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where DJL unpacks its PyTorch natives: a per-user cache, never the working directory. */
class OfflineTest {

  private static Properties home(String home) {
    Properties p = new Properties();
    p.setProperty("user.home", home);
    return p;
  }

  @Test
  void withNothingChosenTheNativesGoUnderXdgCacheHome() {
    assertEquals(
        Map.of("DJL_CACHE_DIR", "/xdg/glimpse/djl", "ENGINE_CACHE_DIR", "/xdg/glimpse/djl"),
        Offline.cacheSettings(Map.of("XDG_CACHE_HOME", "/xdg"), home("/home/u")));
  }

  @Test
  void withoutXdgCacheHomeTheyGoUnderTheHomeDotCache() {
    assertEquals(
        Map.of(
            "DJL_CACHE_DIR",
            "/home/u/.cache/glimpse/djl",
            "ENGINE_CACHE_DIR",
            "/home/u/.cache/glimpse/djl"),
        Offline.cacheSettings(Map.of(), home("/home/u")));
    // a relative XDG_CACHE_HOME is ignored, as the XDG spec says and as the built-in model does
    assertEquals(
        "/home/u/.cache/glimpse/djl",
        Offline.cacheSettings(Map.of("XDG_CACHE_HOME", "rel"), home("/home/u"))
            .get("DJL_CACHE_DIR"));
  }

  @Test
  void aDjlCacheDirTheUserChoseWinsAsVariableOrProperty() {
    assertEquals(
        Map.of(), Offline.cacheSettings(Map.of("DJL_CACHE_DIR", "/mine"), home("/home/u")));
    Properties p = home("/home/u");
    p.setProperty("DJL_CACHE_DIR", "/mine");
    assertEquals(Map.of(), Offline.cacheSettings(Map.of("XDG_CACHE_HOME", "/xdg"), p));
  }

  @Test
  void anEngineCacheDirTheUserChoseIsLeftAlone() {
    assertEquals(
        Map.of("DJL_CACHE_DIR", "/xdg/glimpse/djl"),
        Offline.cacheSettings(
            Map.of("XDG_CACHE_HOME", "/xdg", "ENGINE_CACHE_DIR", "/engine"), home("/home/u")));
  }

  @Test
  void theGlimpseCacheDirPropertyMovesTheNativesWithTheBuiltinModel() {
    Properties p = home("/home/u");
    p.setProperty(BuiltinModel.CACHE_DIR_PROPERTY, "/elsewhere");
    assertEquals(
        "/elsewhere/glimpse/djl",
        Offline.cacheSettings(Map.of("XDG_CACHE_HOME", "/xdg"), p).get("DJL_CACHE_DIR"));
  }

  /** The jar run from another folder, as a user would: the folder stays empty. */
  @Test
  void aModelRunFromAnotherFolderWritesNothingIntoIt(@TempDir Path tmp) throws Exception {
    Path work = Files.createDirectory(tmp.resolve("work"));
    Path xdg = Files.createDirectory(tmp.resolve("xdg"));
    Fixture fixture = Fixture.llavaTinyA();
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g",
            "-Djava.io.tmpdir=" + tmp,
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "generate",
            "--model",
            fixture.dir().toAbsolutePath().toString(),
            "--image",
            fixture.image(0).toAbsolutePath().toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "1");
    builder.directory(work.toFile());
    // the build's own cache setting is what a user does not have
    builder.environment().remove("DJL_CACHE_DIR");
    builder.environment().remove("ENGINE_CACHE_DIR");
    builder.environment().put("XDG_CACHE_HOME", xdg.toString());
    Path log = tmp.resolve("child.log");
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(process.waitFor(180, TimeUnit.SECONDS), "generate did not finish");
    } finally {
      process.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);

    assertEquals(0, process.exitValue(), output);
    assertEquals(List.of(), listing(work), output);
    assertTrue(
        Files.isDirectory(xdg.resolve("glimpse/djl/pytorch")),
        listing(xdg.resolve("glimpse/djl")).toString());
  }

  private static List<String> listing(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
