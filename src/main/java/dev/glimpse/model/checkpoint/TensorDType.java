package dev.glimpse.model.checkpoint;

import java.util.Locale;

/** The element types a safetensors header may name, with their width in bytes. */
public enum TensorDType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int bytes;

  TensorDType(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }

  /** Parses the dtype string of a safetensors header ("F32", "BF16", ...). */
  public static TensorDType parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(
          CheckpointException.Code.UNSUPPORTED_DTYPE,
          "tensor dtype " + name + " is not supported; save the checkpoint as F32, F16 or BF16");
    }
  }
}
