package dev.glimpse.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.config.LlavaConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A LLaVA checkpoint directory in the Hugging Face layout: {@code config.json} and {@code
 * model.safetensors} (or shards named by {@code model.safetensors.index.json}).
 *
 * <p>Every layout transformers has written is mapped to one canonical name by {@link
 * CheckpointKeys#canonical}, where the checkpoint's key strings live: {@code vision.*} (CLIP
 * tower), {@code projector.*}, {@code text.*} (LLaMA) and {@code text.lm_head.weight}.
 */
public final class LlavaCheckpoint implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final LlavaConfig config;
  private final List<SafetensorsFile> files;
  private final Map<String, Located> tensors;

  private record Located(SafetensorsFile file, String key) {}

  private LlavaCheckpoint(
      Path dir, LlavaConfig config, List<SafetensorsFile> files, Map<String, Located> tensors) {
    this.dir = dir;
    this.config = config;
    this.files = files;
    this.tensors = tensors;
  }

  public static LlavaCheckpoint open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE,
          dir
              + " is not a directory; --model must name a directory in the Hugging Face LLaVA layout");
    }
    LlavaConfig config = LlavaConfig.read(dir);
    List<Path> shards = shardPaths(dir);
    List<SafetensorsFile> files = new ArrayList<>();
    Map<String, Located> tensors = new LinkedHashMap<>();
    try {
      for (Path shard : shards) {
        SafetensorsFile file = SafetensorsFile.open(shard);
        files.add(file);
        for (String key : file.tensors().keySet()) {
          tensors.put(CheckpointKeys.canonical(key), new Located(file, key));
        }
      }
    } catch (RuntimeException e) {
      files.forEach(SafetensorsFile::close);
      throw e;
    }
    return new LlavaCheckpoint(dir, config, List.copyOf(files), tensors);
  }

  /** The safetensors files of a checkpoint: one file, or the shards its index names. */
  static List<Path> shardPaths(Path dir) {
    Path single = dir.resolve("model.safetensors");
    Path index = dir.resolve("model.safetensors.index.json");
    if (Files.isRegularFile(index)) {
      try {
        JsonNode weightMap = JSON.readTree(index.toFile()).path("weight_map");
        List<Path> shards = new ArrayList<>();
        weightMap
            .fields()
            .forEachRemaining(
                e -> {
                  Path shard = dir.resolve(e.getValue().asText());
                  if (!shards.contains(shard)) {
                    shards.add(shard);
                  }
                });
        if (shards.isEmpty()) {
          throw new CheckpointException(
              CheckpointException.Code.BAD_SAFETENSORS,
              index + " names no shards; re-save the checkpoint with safetensors");
        }
        return shards;
      } catch (IOException e) {
        throw new CheckpointException(
            CheckpointException.Code.BAD_SAFETENSORS,
            index + " is not valid JSON (" + e.getMessage() + ")",
            e);
      }
    }
    if (Files.isRegularFile(single)) {
      return List.of(single);
    }
    try (Stream<Path> listing = Files.list(dir)) {
      List<String> pickles =
          listing
              .map(p -> p.getFileName().toString())
              .filter(
                  n ->
                      n.endsWith(".bin")
                          || n.endsWith(".pt")
                          || n.endsWith(".pth")
                          || n.endsWith(".ckpt"))
              .sorted()
              .toList();
      if (!pickles.isEmpty()) {
        throw new CheckpointException(
            CheckpointException.Code.PICKLE_REFUSED,
            dir
                + " holds only pickle weights "
                + pickles
                + ", which can run code when loaded; "
                + "convert them to safetensors (e.g. save_pretrained(..., safe_serialization=True)) and retry");
      }
    } catch (IOException e) {
      throw new CheckpointException(CheckpointException.Code.MISSING_FILE, "cannot list " + dir, e);
    }
    throw new CheckpointException(
        CheckpointException.Code.MISSING_FILE,
        dir
            + " has no model.safetensors or model.safetensors.index.json; add the weights in safetensors format");
  }

  public Path dir() {
    return dir;
  }

  public LlavaConfig config() {
    return config;
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  public TensorInfo info(String name) {
    Located located = locate(name);
    return located.file().info(located.key());
  }

  public float[] floats(String name) {
    Located located = locate(name);
    return located.file().floats(located.key());
  }

  /**
   * Loads a tensor onto the manager's device as {@code dtype}, checking its shape. BF16 is widened
   * in Java (DJL's PyTorch JNI has no BF16), F16/F32 are copied as stored.
   */
  public NDArray load(NDManager manager, String name, DataType dtype, long... expectedShape) {
    Located located = locate(name);
    TensorInfo info = located.file().info(located.key());
    if (expectedShape.length > 0 && !Arrays.equals(info.shape(), expectedShape)) {
      throw new CheckpointException(
          CheckpointException.Code.SHAPE_MISMATCH,
          "tensor "
              + located.key()
              + " has shape "
              + Arrays.toString(info.shape())
              + " but config.json implies "
              + Arrays.toString(expectedShape)
              + "; the weights do not belong to this config");
    }
    Shape shape = new Shape(info.shape());
    NDArray stored;
    if (info.dtype() == TensorDType.F32 || info.dtype() == TensorDType.F16) {
      ByteBuffer bytes = located.file().bytes(located.key());
      DataType storedType = info.dtype() == TensorDType.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
      // create() may wrap the mapped buffer; duplicate() gives the array memory of its own.
      try (NDArray wrapped = manager.create(bytes, shape, storedType)) {
        stored = storedType == dtype ? wrapped.duplicate() : wrapped.toType(dtype, true);
      }
    } else {
      float[] values = located.file().floats(located.key());
      NDArray widened = manager.create(values, shape);
      if (dtype == DataType.FLOAT32) {
        stored = widened;
      } else {
        stored = widened.toType(dtype, true);
        widened.close();
      }
    }
    return stored;
  }

  private Located locate(String name) {
    Located located = tensors.get(name);
    if (located == null) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_TENSOR,
          "the checkpoint in "
              + dir
              + " has no tensor for "
              + name
              + "; it is incomplete or not a LLaVA checkpoint");
    }
    return located;
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
