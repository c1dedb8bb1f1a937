package dev.glimpse.worker;

import dev.glimpse.model.generate.SharedPrefix;

/**
 * A prefix shared by the tasks of one image, closed once the last of them has joined the decode
 * batch (or was dropped): its KV memory lives no longer than its users.
 */
final class HeldPrefix {
  final SharedPrefix prefix;
  private int users;

  HeldPrefix(SharedPrefix prefix, int users) {
    this.prefix = prefix;
    this.users = users;
  }

  void release() {
    if (--users == 0) {
      prefix.close();
    }
  }
}
