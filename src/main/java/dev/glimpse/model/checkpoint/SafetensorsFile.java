package dev.glimpse.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file read through its header, each tensor memory-mapped on demand, so a 5 GB shard
 * never needs a 5 GB array. Format: 8-byte little-endian header length, a JSON header of {name:
 * {dtype, shape, data_offsets:[begin,end]}}, then the raw little-endian data.
 */
public final class SafetensorsFile implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  public static SafetensorsFile open(Path path) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE,
          path + " does not exist; check the model directory");
    } catch (IOException e) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE, "cannot open " + path + ": " + e.getMessage(), e);
    }
    try {
      long size = channel.size();
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
        throw bad(
            path, "header length " + headerLength + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(channel, header, 8);
      JsonNode root = JSON.readTree(header.array());
      long dataStart = 8 + headerLength;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue()
              .fields()
              .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        JsonNode t = e.getValue();
        TensorDType dtype = TensorDType.parse(t.path("dtype").asText());
        JsonNode shapeNode = t.path("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shapeNode.get(i).asLong();
        }
        long begin = t.path("data_offsets").path(0).asLong(-1);
        long end = t.path("data_offsets").path(1).asLong(-1);
        TensorInfo info = new TensorInfo(e.getKey(), dtype, shape, dataStart + begin, end - begin);
        if (begin < 0 || end < begin || dataStart + end > size) {
          throw bad(path, "tensor " + e.getKey() + " has data offsets outside the file");
        }
        if (info.elementCount() * dtype.bytes() != info.length()) {
          throw bad(
              path,
              "tensor "
                  + info
                  + " has "
                  + info.length()
                  + " bytes, its shape needs "
                  + info.elementCount() * dtype.bytes());
        }
        tensors.put(e.getKey(), info);
      }
      return new SafetensorsFile(
          path,
          channel,
          Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata));
    } catch (IOException e) {
      closeQuietly(channel);
      throw bad(path, e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_TENSOR, "tensor " + name + " is not in " + path);
    }
    return info;
  }

  /** The tensor's raw bytes, memory-mapped, little-endian. */
  public ByteBuffer bytes(String name) {
    TensorInfo info = info(name);
    try {
      return channel
          .map(FileChannel.MapMode.READ_ONLY, info.begin(), info.length())
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw bad(path, "cannot map " + name + ": " + e.getMessage());
    }
  }

  /** The tensor's values as float32 (F16 and BF16 widened, F64 narrowed), row-major. */
  public float[] floats(String name) {
    TensorInfo info = info(name);
    return Float32.widen(bytes(name), info.dtype(), Math.toIntExact(info.elementCount()));
  }

  /** The tensor's values as longs (integer dtypes only). */
  public long[] longs(String name) {
    TensorInfo info = info(name);
    ByteBuffer b = bytes(name);
    long[] out = new long[Math.toIntExact(info.elementCount())];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (info.dtype()) {
            case I64 -> b.getLong(i * 8);
            case I32 -> b.getInt(i * 4);
            case I16 -> b.getShort(i * 2);
            case I8 -> b.get(i);
            case U8, BOOL -> b.get(i) & 0xFF;
            default ->
                throw new CheckpointException(
                    CheckpointException.Code.UNSUPPORTED_DTYPE,
                    name + " is " + info.dtype() + ", not an integer");
          };
    }
    return out;
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position + buffer.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static CheckpointException bad(Path path, String why) {
    return new CheckpointException(
        CheckpointException.Code.BAD_SAFETENSORS,
        path + " is not a valid safetensors file (" + why + "); re-save it with safetensors");
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing to do: the file was only read
    }
  }

  /** Conversions of stored floating-point data to float32. */
  public static final class Float32 {
    private Float32() {}

    public static float[] widen(ByteBuffer b, TensorDType dtype, int count) {
      float[] out = new float[count];
      switch (dtype) {
        case F32 -> {
          FloatBuffer fb = b.asFloatBuffer();
          fb.get(out);
        }
        case F16 -> {
          for (int i = 0; i < count; i++) {
            out[i] = halfToFloat(b.getShort(i * 2));
          }
        }
        case BF16 -> {
          for (int i = 0; i < count; i++) {
            out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
          }
        }
        case F64 -> {
          for (int i = 0; i < count; i++) {
            out[i] = (float) b.getDouble(i * 8);
          }
        }
        default ->
            throw new CheckpointException(
                CheckpointException.Code.UNSUPPORTED_DTYPE,
                dtype + " is not a floating-point type");
      }
      return out;
    }

    /** IEEE 754 binary16 to binary32, subnormals, infinities and NaN included. */
    public static float halfToFloat(short half) {
      int h = half & 0xFFFF;
      int sign = (h & 0x8000) << 16;
      int exponent = (h >>> 10) & 0x1F;
      int mantissa = h & 0x3FF;
      if (exponent == 0x1F) {
        return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
      }
      if (exponent == 0) {
        if (mantissa == 0) {
          return Float.intBitsToFloat(sign);
        }
        float value = mantissa * 0x1p-24f;
        return sign == 0 ? value : -value;
      }
      return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
  }
}
