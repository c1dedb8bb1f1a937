package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code file:} image URIs: only regular files under the root, whichever way the URI is written.
 */
class FilePolicyTest {
  private static final long LIMIT = 1 << 20;

  @TempDir Path tmp;
  private Path root;
  private Path image;
  private Path outside;

  @BeforeEach
  void files() throws IOException {
    root = Files.createDirectory(tmp.resolve("shared"));
    image =
        Files.write(
            Files.createDirectory(root.resolve("cam 7")).resolve("a.png"), TestImages.png(1));
    outside = Files.write(tmp.resolve("secret.png"), TestImages.png(2));
  }

  private Rejected refused(FilePolicy policy, String uri) {
    return assertThrows(Rejected.class, () -> policy.check(URI.create(uri), LIMIT));
  }

  /** Refused under the root with this code and a message that says so. */
  private void assertRefused(String uri, ErrorCode code, String saying) {
    Rejected e = refused(FilePolicy.under(root), uri);
    assertEquals(code, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains(saying), e.getMessage());
  }

  @Test
  void eachLocalFormOfRfc8089NamesTheSameFileWithItsPathPercentDecoded() throws IOException {
    FilePolicy policy = FilePolicy.under(root);
    Path real = image.toRealPath();
    String path = real.toString().replace(" ", "%20");

    assertEquals(real, policy.check(URI.create("file://" + path), LIMIT));
    assertEquals(real, policy.check(URI.create("file:" + path), LIMIT));
    assertEquals(real, policy.check(URI.create("file://localhost" + path), LIMIT));
    assertEquals(real, policy.check(image.toUri(), LIMIT), "what Path.toUri writes");
  }

  @Test
  void fileUrisAreRefusedWhenNoRootIsSet() {
    Rejected e = refused(FilePolicy.off(), image.toUri().toString());

    assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
    assertTrue(e.getMessage().contains("set glimpse.image.file.root"), e.getMessage());
  }

  @Test
  void dotDotOutOfTheRootIsRefused() {
    assertRefused(
        "file://" + root + "/cam%207/../../secret.png",
        ErrorCode.URI_NOT_ALLOWED,
        "outside glimpse.image.file.root");
  }

  @Test
  void aSymlinkInsideTheRootThatPointsOutIsRefused() throws IOException {
    Path link = Files.createSymbolicLink(root.resolve("innocent.png"), outside);

    assertRefused(
        link.toUri().toString(), ErrorCode.URI_NOT_ALLOWED, outside.toRealPath().toString());
  }

  @Test
  void aLinkedDirectoryOutOfTheRootIsRefusedToo() throws IOException {
    Path link = Files.createSymbolicLink(root.resolve("elsewhere"), tmp);

    assertEquals(
        ErrorCode.URI_NOT_ALLOWED,
        refused(FilePolicy.under(root), link.resolve("secret.png").toUri().toString()).code());
  }

  @Test
  void aRootReachedThroughASymlinkStillServesItsFiles() throws IOException {
    Path linkedRoot = Files.createSymbolicLink(tmp.resolve("volume"), root);

    assertEquals(
        image.toRealPath(),
        FilePolicy.under(linkedRoot).check(linkedRoot.resolve("cam 7/a.png").toUri(), LIMIT));
  }

  @Test
  void aFileOverTheByteLimitIsRefusedBeforeItIsRead() throws IOException {
    Rejected e =
        assertThrows(
            Rejected.class,
            () -> FilePolicy.under(root).check(image.toUri(), Files.size(image) - 1));

    assertEquals(ErrorCode.IMAGE_TOO_LARGE, e.code(), e.getMessage());
  }

  @Test
  void aDirectoryIsNotAnImageFile() {
    assertRefused(
        root.resolve("cam 7").toUri().toString(), ErrorCode.URI_NOT_ALLOWED, "not a regular file");
  }

  @Test
  void anotherHostIsRefused() {
    assertRefused(
        "file://fileserver" + image.toUri().getRawPath(),
        ErrorCode.URI_NOT_ALLOWED,
        "'fileserver'");
  }

  @Test
  void relativePathsQueriesAndFragmentsAreRefused() {
    FilePolicy policy = FilePolicy.under(root);

    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused(policy, "file:cam%207/a.png").code());
    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused(policy, image.toUri() + "?v=2").code());
    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused(policy, image.toUri() + "#top").code());
    assertEquals(ErrorCode.URI_NOT_ALLOWED, refused(policy, "file://" + root + "/a%00.png").code());
  }

  @Test
  void aMissingFileIsAFetchFailure() {
    assertRefused(
        root.resolve("absent.png").toUri().toString(), ErrorCode.URI_FETCH_FAILED, "no such file");
  }

  @Test
  void aRootThatIsNotADirectoryStopsIngestAtStart() {
    var e = assertThrows(FilePolicy.Unusable.class, () -> FilePolicy.under(outside));

    assertTrue(
        e.getMessage().startsWith("IMAGE_FILE_ROOT_UNUSABLE: glimpse.image.file.root="),
        e.getMessage());
    assertThrows(FilePolicy.Unusable.class, () -> FilePolicy.under(tmp.resolve("not-mounted")));
  }
}
