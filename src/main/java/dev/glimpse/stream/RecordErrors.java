package dev.glimpse.stream;

import java.util.Set;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Wraps every processor of the ingest topology (KIP-1112, {@code processor.wrapper.class}) so that
 * an {@link Error} one record causes reaches the processing exception handler as a {@link Failed}
 * exception: the record becomes its own dead letter, its offset is committed with that letter, and
 * a restart does not meet it again. Kafka Streams' handler only sees Exceptions; an Error would
 * stop the client on the same record after every restart.
 *
 * <p>Which Errors belong to one record is {@link #isTheRecords}; the others still stop the client
 * (and the process) as before.
 */
public final class RecordErrors implements ProcessorWrapper {

  /** An Error one record caused in step {@code step}, as an exception the handler can see. */
  static final class Failed extends RuntimeException {
    Failed(String step, Error cause) {
      super("step " + step + " threw " + cause, cause, false, false);
    }

    @Override
    public synchronized Error getCause() {
      return (Error) super.getCause();
    }
  }

  /**
   * Whether the JVM can go on after {@code e}, so that it is this record's failure alone. A stack
   * overflow unwinds; an OutOfMemoryError from one huge allocation (one image's pixels) leaves the
   * heap as it was. An AssertionError or another library Error is a bug met on this record. Not the
   * record's: the other VirtualMachineErrors (InternalError, UnknownError: the JVM itself is in
   * trouble), LinkageErrors (the build is broken: every record would fail the same way) and
   * ThreadDeath.
   */
  @SuppressWarnings("removal") // ThreadDeath: still thrown by Thread.stop on Java 17
  static boolean isTheRecords(Error e) {
    if (e instanceof OutOfMemoryError || e instanceof StackOverflowError) {
      return true;
    }
    return !(e instanceof VirtualMachineError
        || e instanceof LinkageError
        || e instanceof ThreadDeath);
  }

  @Override
  public <KIn, VIn, KOut, VOut>
      WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
          String name, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
    return new WrappedProcessorSupplier<>() {
      @Override
      public Processor<KIn, VIn, KOut, VOut> get() {
        return new Guarded<>(name, supplier.get());
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  @Override
  public <KIn, VIn, VOut>
      WrappedFixedKeyProcessorSupplier<KIn, VIn, VOut> wrapFixedKeyProcessorSupplier(
          String name, FixedKeyProcessorSupplier<KIn, VIn, VOut> supplier) {
    return new WrappedFixedKeyProcessorSupplier<>() {
      @Override
      public FixedKeyProcessor<KIn, VIn, VOut> get() {
        return new GuardedFixedKey<>(name, supplier.get());
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  private static Failed failed(String step, Error e) {
    if (isTheRecords(e)) {
      return new Failed(step, e);
    }
    throw e;
  }

  // Guarded and GuardedFixedKey are the same guard for Kafka Streams' two processor interfaces,
  // which share no supertype: each must implement its own init/process/close.
  private record Guarded<KIn, VIn, KOut, VOut>(String step, Processor<KIn, VIn, KOut, VOut> inner)
      implements Processor<KIn, VIn, KOut, VOut> {
    @Override
    public void init(ProcessorContext<KOut, VOut> context) {
      inner.init(context);
    }

    @Override
    public void process(Record<KIn, VIn> record) {
      try {
        inner.process(record);
      } catch (Error e) {
        throw failed(step, e);
      }
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private record GuardedFixedKey<KIn, VIn, VOut>(
      String step, FixedKeyProcessor<KIn, VIn, VOut> inner)
      implements FixedKeyProcessor<KIn, VIn, VOut> {
    @Override
    public void init(FixedKeyProcessorContext<KIn, VOut> context) {
      inner.init(context);
    }

    @Override
    public void process(FixedKeyRecord<KIn, VIn> record) {
      try {
        inner.process(record);
      } catch (Error e) {
        throw failed(step, e);
      }
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
