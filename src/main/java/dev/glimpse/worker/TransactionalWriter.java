package dev.glimpse.worker;

import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
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

  private final Producer<String, byte[]> producer;

  TransactionalWriter(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  /**
   * Whether the release committed. False: the transaction aborted and nothing of it is visible, so
   * everything uncommitted must be redone from the committed offsets. Fatal errors for this
   * producer (fenced, denied, out of sequence) are thrown.
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
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
      throw e;
    } catch (KafkaException e) {
      Optional<RuntimeException> fatal = fatalCause(e);
      if (fatal.isPresent()) {
        throw fatal
            .get(); // wrapped by the producer: no abort can follow, and the cause is the news
      }
      LOG.warn(
          "transaction aborted ({}); redoing uncommitted requests from the committed offsets",
          e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        // fenced while this transaction ran: the producer is in a fatal state and says so here
        throw fatalCause(abortFailed).orElse(abortFailed);
      }
      return false;
    }
  }

  /**
   * The fatal error for this producer (fenced, denied, out of sequence) behind {@code e}, if any.
   */
  private static Optional<RuntimeException> fatalCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException
          || t instanceof OutOfOrderSequenceException
          || t instanceof AuthorizationException) {
        return Optional.of((RuntimeException) t);
      }
    }
    return Optional.empty();
  }
}
