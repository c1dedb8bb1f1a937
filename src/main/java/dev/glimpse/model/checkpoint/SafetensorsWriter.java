package dev.glimpse.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes safetensors files that {@link SafetensorsFile} and the Python {@code safetensors} package
 * both read: an 8-byte little-endian header length, a JSON header ({@code __metadata__}, then
 * tensors sorted by name) padded with spaces to a multiple of 8 so that every tensor starts 8-byte
 * aligned, then the raw little-endian data in header order.
 *
 * <p>Values are given as float32 and narrowed on write: F16 and BF16 round to nearest, ties to
 * even, as {@code torch.Tensor.to(torch.float16 / torch.bfloat16)} does, so a checkpoint written
 * here holds the same bits as one PyTorch would save from the same float32 weights.
 */
public final class SafetensorsWriter {

  /** The metadata transformers writes and expects ({@code {"format": "pt"}}). */
  public static final Map<String, String> PT_METADATA = Map.of("format", "pt");

  /** Name of the index that lists which shard holds which tensor. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /**
   * One tensor to write. The values array is kept, not copied, so that writing a large model does
   * not hold its weights twice; do not change it until the tensor is written.
   *
   * @param shape row-major dimensions; their product is {@code values.length}
   */
  public record Tensor(String name, long[] shape, float[] values) {
    public Tensor {
      if (name == null || name.isEmpty() || name.equals("__metadata__")) {
        throw new IllegalArgumentException(
            "a tensor needs a name other than __metadata__, got '" + name + "'");
      }
      shape = shape.clone();
      long n = 1;
      for (long d : shape) {
        if (d < 0) {
          throw new IllegalArgumentException(
              name + " has a negative dimension " + Arrays.toString(shape));
        }
        n *= d;
      }
      if (n != values.length) {
        throw new IllegalArgumentException(
            name
                + " has shape "
                + Arrays.toString(shape)
                + " ("
                + n
                + " values) but "
                + values.length
                + " values were given");
      }
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Bytes the tensor takes when stored as {@code dtype}. */
    public long bytes(TensorDType dtype) {
      return (long) values.length * dtype.bytes();
    }

    @Override
    public String toString() {
      return name + " " + Arrays.toString(shape);
    }
  }

  /** Writes one file with transformers' {@code {"format": "pt"}} metadata. */
  public static void write(Path file, Collection<Tensor> tensors, TensorDType dtype) {
    write(file, tensors, dtype, PT_METADATA);
  }

  /**
   * Writes one file.
   *
   * @param dtype F32, F16 or BF16
   * @param metadata written as {@code __metadata__}; empty writes none
   */
  public static void write(
      Path file, Collection<Tensor> tensors, TensorDType dtype, Map<String, String> metadata) {
    requireFloat(dtype);
    List<Tensor> sorted = sortedUnique(tensors);
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      // first, as the Rust safetensors crate writes it
      ObjectNode meta = header.putObject("__metadata__");
      new TreeMap<>(metadata).forEach(meta::put);
    }
    long offset = 0;
    for (Tensor t : sorted) {
      ObjectNode entry = header.putObject(t.name());
      entry.put("dtype", dtype.name());
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape) {
        shape.add(d);
      }
      long end = offset + t.bytes(dtype);
      entry.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (FileChannel out =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(out, head);
        for (Tensor t : sorted) {
          writeFully(out, encode(t.values(), dtype));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Writes {@code tensors} as {@code shards} files named as transformers names them ({@code
   * model-00001-of-00003.safetensors}, ...) plus {@value #INDEX_FILE} with {@code
   * metadata.total_size} (bytes of tensor data) and {@code weight_map} (tensor → file). Tensors are
   * taken in name order and cut into runs of about equal bytes; no shard is empty.
   *
   * @return the shard files, in order
   */
  public static List<Path> writeSharded(
      Path dir, Collection<Tensor> tensors, TensorDType dtype, int shards) {
    requireFloat(dtype);
    List<Tensor> sorted = sortedUnique(tensors);
    if (shards < 1 || shards > sorted.size()) {
      throw new IllegalArgumentException(
          "cannot cut " + sorted.size() + " tensors into " + shards + " shards");
    }
    long total = sorted.stream().mapToLong(t -> t.bytes(dtype)).sum();
    List<List<Tensor>> groups = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      groups.add(new ArrayList<>());
    }
    long written = 0;
    int group = 0;
    for (int i = 0; i < sorted.size(); i++) {
      Tensor t = sorted.get(i);
      int tensorsLeft = sorted.size() - i;
      int laterShards = shards - 1 - group;
      // move on once this shard has its share, or when every later shard needs one of the rest
      if (!groups.get(group).isEmpty()
          && laterShards > 0
          && (written >= total * (group + 1) / shards || tensorsLeft <= laterShards)) {
        group++;
      }
      groups.get(group).add(t);
      written += t.bytes(dtype);
    }
    List<Path> files = new ArrayList<>();
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    Map<String, String> map = new TreeMap<>();
    for (int s = 0; s < shards; s++) {
      String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
      Path file = dir.resolve(name);
      write(file, groups.get(s), dtype);
      files.add(file);
      groups.get(s).forEach(t -> map.put(t.name(), name));
    }
    map.forEach(weightMap::put);
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(INDEX_FILE).toFile(), index);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(INDEX_FILE), e);
    }
    return files;
  }

  /** The float32 value a stored {@code dtype} value reads back as: what a loader will see. */
  public static float round(float value, TensorDType dtype) {
    return switch (dtype) {
      case F32 -> value;
      case F16 -> SafetensorsFile.Float32.halfToFloat(toHalf(value));
      case BF16 -> Float.intBitsToFloat((toBfloat16(value) & 0xFFFF) << 16);
      default ->
          throw new IllegalArgumentException(
              dtype + " is not a floating-point type this writer stores");
    };
  }

  /** float32 → IEEE 754 binary16, round to nearest even; overflow gives infinity, NaN stays NaN. */
  public static short toHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xFF;
    int mantissa = bits & 0x7FFFFF;
    if (exponent == 0xFF) {
      return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
    }
    int e = exponent - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      // subnormal half: value / 2^-24, from the 24-bit significand
      if (e < -10) {
        return (short) sign;
      }
      int significand = mantissa | 0x800000;
      int shift = 14 - e;
      int half = significand >>> shift;
      int rest = significand & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rest > halfway || (rest == halfway && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mantissa >>> 13);
    int rest = mantissa & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++; // a carry into the exponent is right, up to infinity
    }
    return (short) (sign | half);
  }

  /** float32 → bfloat16, round to nearest even, NaN kept quiet. */
  public static short toBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  private static ByteBuffer encode(float[] values, TensorDType dtype) {
    ByteBuffer b =
        ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> b.asFloatBuffer().put(values);
      case F16 -> {
        for (float v : values) {
          b.putShort(toHalf(v));
        }
      }
      case BF16 -> {
        for (float v : values) {
          b.putShort(toBfloat16(v));
        }
      }
      default -> throw new IllegalStateException(dtype.name());
    }
    b.rewind();
    return b;
  }

  private static List<Tensor> sortedUnique(Collection<Tensor> tensors) {
    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(Tensor::name));
    Set<String> seen = new HashSet<>();
    for (Tensor t : sorted) {
      if (!seen.add(t.name())) {
        throw new IllegalArgumentException("tensor " + t.name() + " is given twice");
      }
    }
    return sorted;
  }

  private static void requireFloat(TensorDType dtype) {
    if (dtype != TensorDType.F32 && dtype != TensorDType.F16 && dtype != TensorDType.BF16) {
      throw new IllegalArgumentException("the writer stores F32, F16 or BF16, not " + dtype);
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }
}
