package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.error.GlimpseException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Optional;

/**
 * Which {@code file:} image URIs ingest may read: only regular files under one directory (a volume
 * the producers share with ingest), and none at all unless {@code glimpse.image.file.root} names
 * it.
 *
 * <p>The URI forms of RFC 8089 for a local file: {@code file:///abs/path}, {@code file:/abs/path}
 * and {@code file://localhost/abs/path} (its one host name that means "this machine"); any other
 * host, a relative path, a query or a fragment is refused. The path is percent-decoded as the URI
 * says, then resolved with every symbolic link followed ({@link Path#toRealPath}): what is compared
 * with the root is the file that would be read, so neither {@code ..} nor a link can lead out of
 * it.
 *
 * @param root the allowed directory, canonical (links resolved); empty: {@code file:} is off
 */
public record FilePolicy(Optional<Path> root) {
  static final String SETTING = "glimpse.image.file.root";

  /** A root that cannot serve: stops ingest at start rather than failing every event later. */
  public static final class Unusable extends GlimpseException {
    /** The codes of {@link Unusable}. */
    public enum Code {
      IMAGE_FILE_ROOT_UNUSABLE
    }

    Unusable(String message, Throwable cause) {
      super(Code.IMAGE_FILE_ROOT_UNUSABLE, message, cause);
    }
  }

  public FilePolicy {
    root = root.map(FilePolicy::canonicalRoot);
  }

  /** {@code file:} URIs refused, the default. */
  public static FilePolicy off() {
    return new FilePolicy(Optional.empty());
  }

  /** {@code file:} URIs allowed under {@code root}, which must be an existing directory. */
  public static FilePolicy under(Path root) {
    return new FilePolicy(Optional.of(root));
  }

  /** The policy of {@code glimpse.image.file.root}: off when the setting is absent or blank. */
  static FilePolicy fromSetting(String value) {
    return value == null || value.isBlank() ? off() : under(Path.of(value.strip()));
  }

  private static Path canonicalRoot(Path root) {
    try {
      Path real = root.toRealPath();
      if (!Files.isDirectory(real)) {
        throw new Unusable(
            SETTING
                + "="
                + root
                + " is not a directory: name the directory of the"
                + " shared volume image files are read from, or leave the setting out to refuse file: URIs",
            null);
      }
      return real;
    } catch (IOException e) {
      throw new Unusable(
          SETTING
              + "="
              + root
              + " cannot be opened ("
              + e.getClass().getSimpleName()
              + "): mount the shared volume there and make it readable by ingest, or leave the setting out",
          e);
    }
  }

  /**
   * The file a {@code file:} URI names, resolved, checked to be a regular file of at most {@code
   * maxBytes} under the root; otherwise {@link Rejected} with URI_NOT_ALLOWED (off, other host,
   * outside the root, not a regular file), URI_FETCH_FAILED (absent, unreadable) or
   * IMAGE_TOO_LARGE.
   */
  public Path check(URI uri, long maxBytes) {
    if (root.isEmpty()) {
      throw refuse(
          uri,
          "file: URIs are off on this ingest (set "
              + SETTING
              + " to the directory of a"
              + " shared volume to allow them)");
    }
    Path real = realPath(uri, localPath(uri));
    if (!real.startsWith(root.get())) {
      throw refuse(
          uri,
          "it resolves to "
              + real
              + ", outside "
              + SETTING
              + " ("
              + root.get()
              + "); put the file under that directory");
    }
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw unreadable(uri, e);
    }
    if (!attributes.isRegularFile()) {
      throw refuse(uri, real + " is not a regular file; name an image file");
    }
    if (attributes.size() > maxBytes) {
      throw tooLarge(uri, maxBytes);
    }
    return real;
  }

  /** The absolute path the URI names, decoded, before any link is followed. */
  private static Path localPath(URI uri) {
    if (uri.isOpaque()) {
      throw refuse(uri, "its path is not absolute; write file:///absolute/path");
    }
    String host = uri.getRawAuthority();
    if (host != null && !host.isEmpty() && !host.toLowerCase(Locale.ROOT).equals("localhost")) {
      throw refuse(
          uri,
          "it names the host '"
              + host
              + "', and ingest reads only its own files;"
              + " write file:///absolute/path");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw refuse(uri, "a file: URI carries no query or fragment; remove what follows '?' or '#'");
    }
    String path = uri.getPath();
    if (path == null || !path.startsWith("/")) {
      throw refuse(uri, "its path is not absolute; write file:///absolute/path");
    }
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw refuse(uri, "its path is not one this system can open (" + e.getReason() + ")");
    }
  }

  private static Path realPath(URI uri, Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw unreadable(uri, e);
    }
  }

  static Rejected tooLarge(URI uri, long maxBytes) {
    return new Rejected(
        ErrorCode.IMAGE_TOO_LARGE,
        "the file at " + uri + " is larger than " + maxBytes + " bytes: send a smaller file");
  }

  static Rejected unreadable(URI uri, IOException e) {
    String why =
        e instanceof NoSuchFileException
            ? "no such file"
            : e instanceof AccessDeniedException
                ? "permission denied"
                : e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return new Rejected(
        ErrorCode.URI_FETCH_FAILED,
        "could not read "
            + uri
            + " ("
            + why
            + "): check that the file exists on the volume ingest"
            + " reads and that ingest may read it, or send the image inline",
        e);
  }

  private static Rejected refuse(URI uri, String why) {
    return new Rejected(
        ErrorCode.URI_NOT_ALLOWED,
        "ingest will not read " + uri + ": " + why + ". Or send the image inline");
  }
}
