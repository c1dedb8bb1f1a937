package dev.glimpse.stream;

import dev.glimpse.contract.ImageEvent;
import dev.glimpse.model.image.ImageHeader;

/** An event that passed validation, with its image bytes (inline or fetched) and header. */
public record ValidEvent(ImageEvent event, byte[] image, ImageHeader header) {}
