package dev.glimpse.model.image;

/** What the file header says: format (lower case: png, jpeg, webp) and size in pixels. */
public record ImageHeader(String format, int width, int height) {}
