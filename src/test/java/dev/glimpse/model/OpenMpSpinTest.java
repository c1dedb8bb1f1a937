package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpenMpSpinTest {
  @Test
  void setsTheSpinCountWhereTheUserChoseNone() {
    assertEquals(Optional.of(OpenMpSpin.SPIN_COUNT), OpenMpSpin.wanted(Map.of("PATH", "/bin")));
  }

  @Test
  void leavesASpinCountOrWaitPolicyTheUserChoseAlone() {
    assertEquals(Optional.empty(), OpenMpSpin.wanted(Map.of("GOMP_SPINCOUNT", "300000")));
    assertEquals(Optional.empty(), OpenMpSpin.wanted(Map.of("OMP_WAIT_POLICY", "passive")));
  }

  @Test
  void theValueIsInTheEnvironmentLibgompReads() {
    assumeTrue(Platform.isLinux(), "libgomp, and so the setting, is Linux's");
    assumeTrue(
        OpenMpSpin.wanted(System.getenv()).isPresent(),
        "this JVM was started with GOMP_SPINCOUNT or OMP_WAIT_POLICY: the user's choice stays");

    Optional<String> set = OpenMpSpin.configure();

    assertEquals(Optional.of(OpenMpSpin.SPIN_COUNT), set);
    // the C library's environment, not the JVM's copy of it at start (which cannot change)
    assertEquals(set, OpenMpSpin.nativeValue(OpenMpSpin.GOMP_SPINCOUNT));
    assertEquals(set, OpenMpSpin.configure(), "a second call does what the first did");
  }
}
