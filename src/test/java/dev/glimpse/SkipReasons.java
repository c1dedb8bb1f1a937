package dev.glimpse;

import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints every skipped test or class with its reason on the console of {@code mvn verify}: surefire
 * itself only counts skips and leaves the reason (no Docker, no GPU, no Chromium) in its XML
 * reports. Registered through META-INF/services, so the JUnit Platform launcher that surefire runs
 * picks it up with no build change.
 */
public final class SkipReasons implements TestExecutionListener {

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    System.out.println("SKIPPED " + name(test) + ": " + reason);
  }

  private static String name(TestIdentifier test) {
    TestSource source = test.getSource().orElse(null);
    if (source instanceof MethodSource m) {
      return m.getClassName() + "." + m.getMethodName();
    }
    if (source instanceof ClassSource c) {
      return c.getClassName();
    }
    return test.getDisplayName();
  }
}
