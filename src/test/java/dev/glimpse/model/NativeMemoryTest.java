package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {
  private static final int BLOCK = 1 << 20;
  private static final int BLOCKS = 96;

  @Test
  void setsTheAllocatorWhereTheUserChoseNothing() {
    Optional<Map<Integer, Integer>> settings = NativeMemory.wanted(Map.of("PATH", "/bin"));

    assertEquals(
        Optional.of(
            Map.of(
                NativeMemory.M_MMAP_THRESHOLD, NativeMemory.MMAP_THRESHOLD_BYTES,
                NativeMemory.M_TRIM_THRESHOLD, NativeMemory.TRIM_THRESHOLD_BYTES,
                NativeMemory.M_TOP_PAD, NativeMemory.TOP_PAD_BYTES)),
        settings);
    assertTrue(NativeMemory.wanted(Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0")).isPresent());
  }

  @Test
  void leavesAnAllocatorTheUserChoseAlone() {
    assertEquals(Optional.empty(), NativeMemory.wanted(Map.of("MALLOC_ARENA_MAX", "2")));
    assertEquals(Optional.empty(), NativeMemory.wanted(Map.of("MALLOC_TRIM_THRESHOLD_", "0")));
    assertEquals(
        Optional.empty(),
        NativeMemory.wanted(Map.of("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")));
  }

  /**
   * A forward pass allocates many mid-sized tensors and frees them all; with glibc's defaults a
   * thread's next pass faults in about a third of them afresh (8,420 faults a round of 96 MiB in a
   * run by hand), with the settings none.
   */
  @Test
  void memoryFreedOnAThreadIsUsedAgainWithoutNewPageFaults() throws InterruptedException {
    assumeTrue(Platform.isLinux(), "glibc's allocator, and so the setting, is Linux's");
    assumeTrue(
        NativeMemory.wanted(System.getenv()).isPresent(),
        "this JVM was started with glibc malloc settings: the user's choice stays");
    assertTrue(NativeMemory.configure().isPresent(), "the settings were made");

    AtomicLong laterFaults = new AtomicLong();
    Thread pass =
        new Thread(
            () -> {
              allocateTouchAndFree(); // the first round faults its pages in
              long before = minorFaults();
              for (int round = 0; round < 3; round++) {
                allocateTouchAndFree();
              }
              laterFaults.set(minorFaults() - before);
            });
    pass.start();
    pass.join();

    // 3 rounds of 96 MiB are 73,728 pages; a few faults come from elsewhere on the thread
    assertTrue(laterFaults.get() < 1000, laterFaults.get() + " page faults after the first round");
  }

  private static void allocateTouchAndFree() {
    long[] blocks = new long[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
      blocks[i] = Native.malloc(BLOCK);
      new Pointer(blocks[i]).setMemory(0, BLOCK, (byte) 1);
    }
    for (long block : blocks) {
      Native.free(block);
    }
  }

  /** This thread's minor page faults so far ({@code /proc/thread-self/stat}, field 10). */
  private static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
