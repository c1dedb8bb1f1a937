package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output record the broker refuses as too large dead-letters its source record instead of
 * stopping the stream; transient errors are retried; anything else stops it, as by default.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

  private InternalErrorLetters letters;

  @Override
  public void configure(Map<String, ?> configs) {
    letters = InternalErrorLetters.from(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception e) {
    if (e instanceof RecordTooLargeException) {
      LOG.warn(
          "output to {} too large; source {}-{}@{} goes to {}",
          record.topic(),
          context.topic(),
          context.partition(),
          context.offset(),
          letters.topic());
      return Response.resume(
          List.of(
              letters.letter(
                  context,
                  ErrorCode.IMAGE_TOO_LARGE,
                  "the record ingest made for "
                      + record.topic()
                      + " is larger than the broker"
                      + " accepts ("
                      + e.getMessage()
                      + "): send a smaller image, or raise"
                      + " max.message.bytes of "
                      + record.topic())));
    }
    return e instanceof RetriableException ? Response.retry() : Response.fail();
  }
}
