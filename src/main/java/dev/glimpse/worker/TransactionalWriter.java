package dev.glimpse.worker;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an outbox release and commits its offsets in one transaction. A transaction opens only to
 * send what is ready and closes at once, so it lives milliseconds, far inside {@code
 * transaction.timeout.ms}.
 */
final class TransactionalWriter {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalWriter.class);

  /**
   * The errors after which this producer can do nothing more: fenced, denied, out of sequence, or
   * an invalid transaction state, which the broker answers a commit with when another producer's
   * takeover of this transactional.id aborted the transaction under it ({@link #TAKEN_OVER}).
   */
  private static final List<Class<? extends RuntimeException>> FATAL =
      List.of(
          ProducerFencedException.class,
          InvalidTxnStateException.class,
          OutOfOrderSequenceException.class,
          AuthorizationException.class);

  /** How the producer learns that another took its transactional.id. */
  static final List<Class<? extends RuntimeException>> TAKEN_OVER =
      List.of(ProducerFencedException.class, InvalidTxnStateException.class);

  private final Producer<String, byte[]> producer;

  TransactionalWriter(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  /**
   * Whether the release committed. False: the transaction aborted and nothing of it is visible, so
   * everything uncommitted must be redone from the committed offsets. Fatal errors for this
   * producer ({@link #FATAL}) are thrown, unwrapped.
   */
  boolean write(Outbox.Release release, ConsumerGroupMetadata group) {
    try {
      producer.beginTransaction();
      for (ProducerRecord<String, byte[]> record : release.records()) {
        producer.send(record);
      }
      producer.sendOffsetsToTransaction(release.offsets(), group);
      producer.commitTransaction();
      return true;
    } catch (KafkaException e) {
      Optional<RuntimeException> fatal = causeOf(e, FATAL);
      if (fatal.isPresent()) {
        // the error itself, or wrapped by the producer: no abort can follow, and it is the news
        throw fatal.get();
      }
      LOG.warn(
          "transaction aborted ({}); redoing uncommitted requests from the committed offsets",
          e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        // fenced while this transaction ran: the producer is in a fatal state and says so here
        throw causeOf(abortFailed, FATAL).orElse(abortFailed);
      }
      return false;
    }
  }

  /**
   * The first of {@code e} and its causes that is one of {@code types}: the producer wraps the
   * error that ends it (see {@link #FATAL}) in others.
   */
  static Optional<RuntimeException> causeOf(
      Throwable e, List<Class<? extends RuntimeException>> types) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      for (Class<? extends RuntimeException> type : types) {
        if (type.isInstance(t)) {
          return Optional.of(type.cast(t));
        }
      }
    }
    return Optional.empty();
  }
}
