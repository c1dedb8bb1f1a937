package dev.glimpse.model;

/**
 * One image as a request carries it: pixel values that still have to go through the vision tower
 * and projector, or the features they already produced (see {@link LlavaModel#encodeImages}). A
 * request whose images are all features never runs the vision tower.
 */
public sealed interface ImageInput permits ImageInput.Pixels, ImageFeatures {

  /**
   * Preprocessed pixel values.
   *
   * @param values (channels, height, width), channel-major, as CLIPImageProcessor leaves them
   */
  record Pixels(float[] values) implements ImageInput {}

  static ImageInput pixels(float[] values) {
    return new Pixels(values);
  }
}
