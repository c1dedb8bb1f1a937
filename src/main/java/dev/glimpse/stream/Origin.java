package dev.glimpse.stream;

/** Where an input record came from, kept with it so a dead letter can point back to it. */
public record Origin(
    String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {}
