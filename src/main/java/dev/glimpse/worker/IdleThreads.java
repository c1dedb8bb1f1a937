package dev.glimpse.worker;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.glimpse.model.OneShotThread;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.JMException;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux's idle scheduling class ({@code SCHED_IDLE}) for threads that must not take a core from the
 * model: such a thread runs on the CPU that the normal threads leave, and a wake-up of it never
 * preempts them. On a CPU worker this matters more than the thread's own CPU: the model's threads
 * wait for each other at every operation, so one of them preempted stalls them all. A thread's
 * class is inherited by the threads it starts. Linux only; elsewhere, or where the kernel refuses
 * (a seccomp profile), threads keep their class, logged once.
 */
public final class IdleThreads {
  private static final Logger LOG = LoggerFactory.getLogger(IdleThreads.class);

  /** Linux's {@code SCHED_IDLE} (the same number on every architecture). */
  static final int SCHED_IDLE = 5;

  /** How many characters of a Java thread's name Linux keeps as the thread's name. */
  private static final int KERNEL_NAME_LENGTH = 15;

  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private IdleThreads() {}

  /** The C library's scheduling calls; {@code pid} is a thread id (Linux schedules threads). */
  interface CLibrary extends Library {
    int sched_setscheduler(int pid, int policy, int[] param);

    int sched_getscheduler(int pid);
  }

  /**
   * The value of {@code work}, computed on a new thread named {@code name} in the idle class, so
   * that the threads it starts (a Kafka client's network thread) are in it too; what it throws is
   * thrown here, as {@link OneShotThread#call} does.
   */
  public static <T> T call(String name, Callable<T> work) {
    return OneShotThread.call(
        name,
        () -> {
          demoteCurrent();
          return work.call();
        });
  }

  /** Wraps {@code task} so that the thread that runs it first puts itself in the idle class. */
  public static Runnable demotingFirst(Runnable task) {
    return () -> {
      demoteCurrent();
      task.run();
    };
  }

  /** Puts the calling thread in the idle class; false where it could not (logged once). */
  public static boolean demoteCurrent() {
    OptionalInt tid = currentThreadId();
    return tid.isPresent() && demote(tid.getAsInt());
  }

  /** Puts thread {@code tid} of this process in the idle class; false where it could not. */
  static boolean demote(int tid) {
    if (!Platform.isLinux()) {
      return false;
    }
    try {
      if (c().sched_setscheduler(tid, SCHED_IDLE, new int[] {0}) == 0) {
        return true;
      }
      warnOnce("sched_setscheduler returned errno " + Native.getLastError());
    } catch (RuntimeException | LinkageError e) {
      warnOnce(e.toString());
    }
    return false;
  }

  /** Whether thread {@code tid} is in the idle class now. */
  static boolean isIdle(int tid) {
    return Platform.isLinux() && c().sched_getscheduler(tid) == SCHED_IDLE;
  }

  /** The calling thread's Linux id, from {@code /proc/thread-self}; empty off Linux. */
  static OptionalInt currentThreadId() {
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
      return OptionalInt.of(Integer.parseInt(self.getFileName().toString()));
    } catch (IOException | UnsupportedOperationException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /**
   * The Linux ids of this process's Java threads named {@code name}, read from the JVM's thread
   * dump (HotSpot's {@code Thread.print} diagnostic command, which gives each thread's native id);
   * empty where the dump cannot be had. For threads that other code starts, whose Linux names keep
   * only their first {@value #KERNEL_NAME_LENGTH} characters.
   */
  static Set<Integer> idsOfThreadsNamed(String name) {
    String dump;
    try {
      dump =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "threadPrint",
                      new Object[] {new String[0]},
                      new String[] {String[].class.getName()});
    } catch (JMException | RuntimeException e) {
      LOG.debug("no thread dump to find {} in: {}", name, e.toString());
      return Set.of();
    }
    String head = '"' + name + '"';
    Set<Integer> ids = new HashSet<>();
    dump.lines()
        .filter(line -> line.startsWith(head))
        .forEach(line -> nativeId(line).ifPresent(ids::add));
    return ids;
  }

  /** The {@code nid=} of a thread dump's header line: hexadecimal up to Java 18, decimal after. */
  static OptionalInt nativeId(String header) {
    int at = header.indexOf(" nid=");
    if (at < 0) {
      return OptionalInt.empty();
    }
    int from = at + " nid=".length();
    int to = from;
    while (to < header.length() && !Character.isWhitespace(header.charAt(to))) {
      to++;
    }
    String id = header.substring(from, to);
    try {
      return OptionalInt.of(
          id.startsWith("0x") ? Integer.parseInt(id.substring(2), 16) : Integer.parseInt(id));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static void warnOnce(String why) {
    if (WARNED.compareAndSet(false, true)) {
      LOG.warn(
          "IDLE_CLASS_NOT_SET: could not put a thread in Linux's idle scheduling class ({}); the"
              + " worker's Kafka client threads keep the normal class and may slow the model's"
              + " threads on a CPU worker. Allow sched_setscheduler (a seccomp profile), or set"
              + " glimpse.worker.client.threads.idle=false to not ask",
          why);
    }
  }

  private static CLibrary c() {
    return Holder.C;
  }

  /** Loaded at the first call, once. */
  private static final class Holder {
    static final CLibrary C = Native.load(Platform.C_LIBRARY_NAME, CLibrary.class);
  }
}
