package dev.glimpse;

import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.io.PrintStream;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.lang.reflect.AnnotatedElement;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Log records a test provokes on purpose (a broker it never started, a record it sends to the
 * dead-letter topic) are left off the console while that class or method runs, and only those:
 * every other warning still prints, so the log of {@code mvn verify} shows what nobody expected.
 *
 * <p>slf4j-simple writes each record with one {@code println(String)} to the current {@code
 * System.err}, then any stack trace through {@code println(Object)}; a filtering stream put in its
 * place for the test's duration sees whole records and drops a matching one with the trace lines
 * that directly follow it on the same thread (an uncaught exception printed later, which starts
 * with {@code print(String)}, still shows).
 */
@Retention(RUNTIME)
@Target({TYPE, METHOD})
@ExtendWith(ExpectedLog.Filter.class)
public @interface ExpectedLog {

  /** Substrings that mark the expected records (any one is enough). */
  String[] value();

  /** Puts a {@link FilteringStream} in place of System.err for an annotated class or method. */
  final class Filter
      implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(Filter.class);

    @Override
    public void beforeAll(ExtensionContext context) {
      install(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
      restore(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
      install(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
      restore(context);
    }

    private static void install(ExtensionContext context) {
      AnnotatedElement element = context.getElement().orElse(null);
      ExpectedLog expected = element == null ? null : element.getAnnotation(ExpectedLog.class);
      if (expected == null) {
        return;
      }
      PrintStream previous = System.err;
      context.getStore(NAMESPACE).put(context.getUniqueId(), previous);
      System.setErr(new FilteringStream(previous, List.of(expected.value())));
    }

    private static void restore(ExtensionContext context) {
      PrintStream previous =
          context.getStore(NAMESPACE).remove(context.getUniqueId(), PrintStream.class);
      if (previous != null) {
        System.setErr(previous);
      }
    }
  }

  /** Passes everything through but records that contain one of the expected substrings. */
  final class FilteringStream extends PrintStream {
    /** Records go on to it whole, so that a filter beneath this one (a run's) still sees them. */
    private final PrintStream target;

    private final List<String> expected;

    /** Whether this thread's last record was dropped: the stack-trace lines that follow go too. */
    private final ThreadLocal<Boolean> dropping = ThreadLocal.withInitial(() -> false);

    FilteringStream(PrintStream target, List<String> expected) {
      super(target, true);
      this.target = target;
      this.expected = List.copyOf(expected);
    }

    @Override
    public void println(String record) {
      boolean drop = record != null && expected.stream().anyMatch(record::contains);
      dropping.set(drop);
      if (!drop) {
        target.println(record);
      }
    }

    /** A stack-trace line: dropped when it follows a dropped record on the same thread. */
    @Override
    public void println(Object line) {
      if (!dropping.get()) {
        target.println(line);
      }
    }

    /** Anything else ends a dropped record's trace (e.g. "Exception in thread ..." is printed). */
    @Override
    public void print(String text) {
      dropping.set(false);
      target.print(text);
    }
  }
}
