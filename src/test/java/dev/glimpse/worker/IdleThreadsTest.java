package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Linux's idle class, asked of the kernel and read back from it. */
class IdleThreadsTest {
  @BeforeEach
  void linuxOnly() {
    assumeTrue(Platform.isLinux(), "the idle scheduling class is Linux's");
  }

  @Test
  void threadsStartedByAnIdleThreadAreIdleTooAndTheCallerIsNot() {
    AtomicBoolean child = new AtomicBoolean();
    boolean self =
        IdleThreads.call(
            "glimpse-test-idle",
            () -> {
              Thread t =
                  new Thread(
                      () ->
                          child.set(IdleThreads.isIdle(IdleThreads.currentThreadId().getAsInt())));
              t.start();
              t.join();
              return IdleThreads.isIdle(IdleThreads.currentThreadId().getAsInt());
            });
    assertTrue(self, "the thread that ran the work");
    assertTrue(child.get(), "a thread it started");
    assertFalse(IdleThreads.isIdle(IdleThreads.currentThreadId().getAsInt()), "the caller");
  }

  @Test
  void demotingFirstPutsTheThreadThatRunsTheTaskInTheIdleClass() throws Exception {
    AtomicBoolean idle = new AtomicBoolean();
    Thread t =
        new Thread(
            IdleThreads.demotingFirst(
                () -> idle.set(IdleThreads.isIdle(IdleThreads.currentThreadId().getAsInt()))));
    t.start();
    t.join();
    assertTrue(idle.get());
  }

  @Test
  void threadsAreFoundByTheirWholeJavaNameAndDemotedByTheirId() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger tid = new AtomicInteger();
    Thread t =
        new Thread(
            () -> {
              tid.set(IdleThreads.currentThreadId().getAsInt());
              started.countDown();
              try {
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "glimpse-test-named-thread | some-client");
    t.start();
    try {
      started.await();
      assertEquals(
          Set.of(tid.get()),
          IdleThreads.idsOfThreadsNamed("glimpse-test-named-thread | some-client"));
      assertEquals(Set.of(), IdleThreads.idsOfThreadsNamed("glimpse-test-named-thread"));
      assertFalse(IdleThreads.isIdle(tid.get()));
      assertTrue(IdleThreads.demote(tid.get()));
      assertTrue(IdleThreads.isIdle(tid.get()));
    } finally {
      done.countDown();
      t.join();
    }
  }

  @Test
  void aThreadDumpsNativeIdIsReadInHexadecimalOrDecimal() {
    assertEquals(
        OptionalInt.of(0x113b),
        IdleThreads.nativeId(
            "\"main\" #1 prio=5 os_prio=0 cpu=448.51ms tid=0x00007f15a8018020 nid=0x113b waiting"));
    assertEquals(
        OptionalInt.of(20003),
        IdleThreads.nativeId("\"main\" #1 [20003] prio=5 os_prio=0 nid=20003 runnable"));
    assertEquals(OptionalInt.empty(), IdleThreads.nativeId("\"main\" #1 prio=5"));
  }
}
