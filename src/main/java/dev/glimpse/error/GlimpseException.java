package dev.glimpse.error;

/**
 * A failure a user can cause and fix: a code to look up and a message that says what to do. The
 * message starts with the code ({@code TOO_MANY_PIXELS: the image is ...}).
 */
public abstract class GlimpseException extends RuntimeException {
  private final Enum<?> code;

  protected GlimpseException(Enum<?> code, String message, Throwable cause) {
    super(code.name() + ": " + message, cause);
    this.code = code;
  }

  /** The code, as its own enum type in each subclass. */
  public Enum<?> anyCode() {
    return code;
  }
}
