package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last line of defence (KIP-1033 with KIP-1034 dead-letter records): an unexpected exception in any
 * ingest step writes the source record to the dead-letter topic as INTERNAL_ERROR and the stream
 * goes on. An Error a record causes arrives here too, as {@link RecordErrors.Failed}. Refusals the
 * steps expect never get here; they are branched out explicitly.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
  public static final String TOPIC_CONFIG = InternalErrorLetters.TOPIC_CONFIG;
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

  private InternalErrorLetters letters;

  @Override
  public void configure(Map<String, ?> configs) {
    letters = InternalErrorLetters.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
    LOG.error(
        "ingest failed on {}-{}@{} in {}; the record goes to {}",
        context.topic(),
        context.partition(),
        context.offset(),
        context.processorNodeId(),
        letters.topic(),
        e);
    return Response.resume(
        List.of(
            letters.letter(
                context, ErrorCode.INTERNAL_ERROR, message(context.processorNodeId(), e))));
  }

  /** What went wrong in which step, and what to do about it. */
  static String message(String step, Exception e) {
    Throwable cause = e instanceof RecordErrors.Failed failed ? failed.getCause() : e;
    if (cause instanceof OutOfMemoryError) {
      return "ingest ran out of memory in step "
          + step
          + " on this record ("
          + cause
          + "): if the image is legitimate, give ingest more heap (-Xmx) or lower"
          + " glimpse.image.max.pixels";
    }
    if (cause instanceof StackOverflowError) {
      return "ingest ran out of stack in step "
          + step
          + " on this record ("
          + cause
          + "): if the input is legitimate, raise the thread stack size (-Xss); otherwise report"
          + " it with the topic, partition and offset";
    }
    return "ingest failed in step "
        + step
        + " ("
        + cause
        + "): this is a bug in glimpse; report it with the topic, partition and offset";
  }
}
