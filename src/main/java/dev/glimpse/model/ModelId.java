package dev.glimpse.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The id of what a worker serves: {@code llava-} and 12 hex characters of a SHA-256 over the
 * checkpoint's files (configs, tokenizer, preprocessor, weights) and the serving options that
 * change an answer (the prompt template, padding to square). It is derived from content only, so
 * the same checkpoint has the same id wherever it lies, and a retrained or re-configured one gets
 * another: results cached under the old id are never served for the new model.
 *
 * <p>Weight files up to {@value #WHOLE_FILE_BYTES} bytes are hashed whole; larger ones by their
 * size, their first MiB (the safetensors header with every tensor's name, dtype, shape and offsets)
 * and {@value #SAMPLES} MiB spread evenly through them, which keeps start-up at milliseconds for a
 * 14 GB checkpoint.
 */
public final class ModelId {
  /** Where the built-in model lies in the jar. */
  public static final String BUILTIN_RESOURCE = "/dev/glimpse/model/builtin/";

  static final long WHOLE_FILE_BYTES = 64L << 20;
  static final int SAMPLES = 16;
  private static final int BLOCK = 1 << 20;
  private static final List<String> CONFIG_FILES =
      List.of(
          "config.json",
          "generation_config.json",
          "preprocessor_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "model.safetensors.index.json");

  private ModelId() {}

  /** The id of a checkpoint directory served with these options. */
  public static String of(Path dir, String template, boolean padToSquare) {
    MessageDigest digest = sha256();
    try {
      for (String name : CONFIG_FILES) {
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file)) {
          update(digest, name, Files.readAllBytes(file));
        }
      }
      List<Path> weights;
      try (Stream<Path> files = Files.list(dir)) {
        weights =
            files
                .filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                .sorted()
                .toList();
      }
      for (Path file : weights) {
        hashWeights(digest, file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + " to derive the model id", e);
    }
    return finish(digest, template, padToSquare);
  }

  /**
   * The id of the built-in model served with the default options, read from the jar: what ingest
   * keys its cache with when no {@code glimpse.model.id} is set. Equal to {@link #of} over the
   * extracted files, since the built-in weights are hashed whole.
   */
  public static String builtin(String template) {
    MessageDigest digest = sha256();
    for (String name : CONFIG_FILES) {
      byte[] bytes = resource(name);
      if (bytes != null) {
        update(digest, name, bytes);
      }
    }
    byte[] weights = resource("model.safetensors");
    if (weights == null) {
      throw new ModelException(
          ModelException.Code.NO_BUILTIN_MODEL,
          "this build has no built-in model; set glimpse.model.id to the id the worker prints at start");
    }
    update(digest, "model.safetensors", weights);
    return finish(digest, template, false);
  }

  private static void hashWeights(MessageDigest digest, Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size <= WHOLE_FILE_BYTES) {
        update(digest, file.getFileName().toString(), Files.readAllBytes(file));
        return;
      }
      digest.update(
          (file.getFileName() + "\u0000" + size + "\u0000").getBytes(StandardCharsets.UTF_8));
      ByteBuffer block = ByteBuffer.allocate(BLOCK);
      for (int i = 0; i <= SAMPLES; i++) {
        long at = i == 0 ? 0 : (size - BLOCK) * i / SAMPLES;
        block.clear();
        while (block.hasRemaining() && channel.read(block, at + block.position()) > 0) {
          // reads until the block is full or the file ends
        }
        block.flip();
        digest.update(block);
      }
    }
  }

  private static void update(MessageDigest digest, String name, byte[] bytes) {
    digest.update((name + "\u0000" + bytes.length + "\u0000").getBytes(StandardCharsets.UTF_8));
    digest.update(bytes);
  }

  private static String finish(MessageDigest digest, String template, boolean padToSquare) {
    digest.update(
        ("template\u0000" + template + "\u0000pad_to_square\u0000" + padToSquare)
            .getBytes(StandardCharsets.UTF_8));
    return "llava-" + HexFormat.of().formatHex(digest.digest()).substring(0, 12);
  }

  private static byte[] resource(String name) {
    try (InputStream in = ModelId.class.getResourceAsStream(BUILTIN_RESOURCE + name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
