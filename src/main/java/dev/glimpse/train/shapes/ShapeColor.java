package dev.glimpse.train.shapes;

/**
 * The six fill colours. The RGB values are saturated and far apart in hue so that a frozen vision
 * tower separates them easily, and all of them stand out against the light, low-saturation
 * backgrounds of {@link Background}.
 */
public enum ShapeColor {
  RED("red", 0xD72828),
  GREEN("green", 0x28A03C),
  BLUE("blue", 0x285AD7),
  YELLOW("yellow", 0xF0C814),
  PURPLE("purple", 0x8C3CB4),
  ORANGE("orange", 0xF58214);

  private final String word;
  private final int rgb;

  ShapeColor(String word, int rgb) {
    this.word = word;
    this.rgb = rgb;
  }

  /** The single vocabulary word that names this colour. */
  public String word() {
    return word;
  }

  /** The nominal fill as {@code 0xRRGGBB}; the renderer may jitter its hue slightly. */
  public int rgb() {
    return rgb;
  }

  /** The indefinite article for a phrase that starts with this colour ("an orange star"). */
  public String article() {
    return word.matches("^[aeiou].*") ? "an" : "a";
  }
}
