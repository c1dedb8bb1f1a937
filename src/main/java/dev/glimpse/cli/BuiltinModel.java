package dev.glimpse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The built-in shapes-world model, shipped inside the jar under {@value #RESOURCE} (trained by
 * {@code glimpse train}; see README), extracted so that the checkpoint loader can read files. It
 * goes to a per-user cache ({@code glimpse.cache.dir}, else {@code $XDG_CACHE_HOME/glimpse}, else
 * {@code ~/.cache/glimpse}), a directory of mode 700 owned by this user: in a shared {@code /tmp}
 * another user could create the directory first and plant weights or a tokenizer this process would
 * then load. Every start compares each extracted file with the jar's bytes (SHA-256) and rewrites
 * whatever is missing, truncated or edited.
 */
final class BuiltinModel {

  static final String RESOURCE = "/dev/glimpse/model/builtin/";

  /** Overrides where the cache lives (a directory this user owns). */
  static final String CACHE_DIR_PROPERTY = "glimpse.cache.dir";

  /** The checkpoint files of the model and of its blind baseline in blind/. */
  static final List<String> FILES =
      List.of(
          "config.json",
          "model.safetensors",
          "tokenizer.json",
          "tokenizer_config.json",
          "preprocessor_config.json",
          "generation_config.json",
          "train_report.json");

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  private static Path extracted;

  private BuiltinModel() {}

  /** The built-in model's directory, extracted and verified on the first call of this process. */
  static synchronized Path directory() {
    if (extracted == null) {
      extracted = extractInto(cacheRoot());
    }
    return extracted;
  }

  /** Where the per-user cache is, before {@code glimpse/} is appended. */
  static Path cacheRoot() {
    return cacheRoot(System.getenv(), System.getProperties());
  }

  /** The same for this environment and these system properties (DJL's natives go under it too). */
  static Path cacheRoot(Map<String, String> env, Properties system) {
    String configured = system.getProperty(CACHE_DIR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg);
    }
    return Path.of(system.getProperty("user.home"), ".cache");
  }

  /**
   * Extracts into {@code root/glimpse/builtin-<hash>}, rewriting each file whose bytes differ from
   * the jar's.
   */
  static Path extractInto(Path root) {
    try {
      Map<String, byte[]> files = new LinkedHashMap<>();
      for (String sub : List.of("", "blind/")) {
        for (String file : FILES) {
          byte[] bytes = read(sub + file);
          if (bytes != null) {
            files.put(sub + file, bytes);
          }
        }
      }
      byte[] weights = files.get("model.safetensors");
      if (weights == null) {
        throw new Errors.UserError(
            "NO_BUILTIN_MODEL",
            "this build has no built-in model; pass --model DIR (train one with: glimpse train --out DIR)");
      }
      Path cache = privateDirectory(root.resolve("glimpse"));
      Path dir =
          privateDirectory(cache.resolve("builtin-" + hex(sha256(weights)).substring(0, 16)));
      privateDirectory(dir.resolve("blind"));
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path target = dir.resolve(file.getKey());
        if (!matches(target, file.getValue())) {
          // write aside and move over: a reader never sees half a file, nor does a crash leave one
          Path tmp = Files.createTempFile(target.getParent(), ".extract-", ".tmp");
          Files.write(tmp, file.getValue());
          Files.move(
              tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the built-in model under " + root, e);
    }
  }

  /** Whether the file holds exactly these bytes (a regular file, not a link someone planted). */
  private static boolean matches(Path file, byte[] expected) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
        || Files.size(file) != expected.length) {
      return false;
    }
    return MessageDigest.isEqual(sha256(Files.readAllBytes(file)), sha256(expected));
  }

  /**
   * Creates the directory with mode 700, or checks that an existing one is ours and tightens it to
   * 700; refuses one that another user owns or that is a symbolic link.
   */
  private static Path privateDirectory(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException exists) {
      // checked below
    } catch (UnsupportedOperationException notPosix) {
      Files.createDirectories(dir);
      return dir;
    }
    if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw unsafe(dir, "is not a plain directory");
    }
    PosixFileAttributeView view =
        Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return dir;
    }
    UserPrincipal me =
        dir.getFileSystem()
            .getUserPrincipalLookupService()
            .lookupPrincipalByName(System.getProperty("user.name"));
    if (!view.readAttributes().owner().equals(me)) {
      throw unsafe(dir, "belongs to " + view.readAttributes().owner().getName());
    }
    if (!view.readAttributes().permissions().equals(OWNER_ONLY)) {
      view.setPermissions(OWNER_ONLY);
    }
    return dir;
  }

  private static Errors.UserError unsafe(Path dir, String why) {
    return new Errors.UserError(
        "UNSAFE_MODEL_CACHE",
        dir
            + " "
            + why
            + ", so the built-in model is not"
            + " extracted there; remove it, or set -D"
            + CACHE_DIR_PROPERTY
            + "=DIR to a directory of your own");
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static byte[] read(String file) throws IOException {
    try (InputStream in = BuiltinModel.class.getResourceAsStream(RESOURCE + file)) {
      return in == null ? null : in.readAllBytes();
    }
  }
}
