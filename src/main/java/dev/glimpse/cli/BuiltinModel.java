package dev.glimpse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The built-in shapes-world model, shipped inside the jar under {@value #RESOURCE} (trained by
 * {@code glimpse train}; see README), extracted once to a directory named by its content hash
 * under {@code java.io.tmpdir} so that the checkpoint loader can read files.
 */
final class BuiltinModel {

  static final String RESOURCE = "/dev/glimpse/model/builtin/";

  /** The checkpoint files of the model and of its blind baseline in blind/. */
  static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json",
      "tokenizer_config.json", "preprocessor_config.json", "generation_config.json", "train_report.json");

  private static Path extracted;

  private BuiltinModel() {}

  /** The built-in model's directory, extracting it on first use. */
  static synchronized Path directory() {
    if (extracted != null && Files.isRegularFile(extracted.resolve("model.safetensors"))) {
      return extracted;
    }
    try {
      byte[] weights = read("model.safetensors");
      if (weights == null) {
        throw new Errors.UserError("NO_BUILTIN_MODEL",
            "this build has no built-in model; pass --model DIR (train one with: glimpse train --out DIR)");
      }
      String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights)).substring(0, 16);
      Path dir = Path.of(System.getProperty("java.io.tmpdir"), "glimpse-builtin-" + hash);
      if (!Files.isRegularFile(dir.resolve(".complete"))) {
        Path tmp = Files.createTempDirectory(dir.getParent(), "glimpse-builtin-");
        for (String sub : List.of("", "blind/")) {
          Files.createDirectories(tmp.resolve(sub.isEmpty() ? "." : sub));
          for (String file : FILES) {
            byte[] bytes = read(sub + file);
            if (bytes != null) {
              Files.write(tmp.resolve(sub + file), bytes);
            }
          }
        }
        Files.createFile(tmp.resolve(".complete"));
        try {
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          // another process extracted it first: use theirs when complete
          if (!Files.isRegularFile(dir.resolve(".complete"))) {
            throw e;
          }
        }
      }
      extracted = dir;
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the built-in model", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] read(String file) throws IOException {
    try (InputStream in = BuiltinModel.class.getResourceAsStream(RESOURCE + file)) {
      return in == null ? null : in.readAllBytes();
    }
  }
}
