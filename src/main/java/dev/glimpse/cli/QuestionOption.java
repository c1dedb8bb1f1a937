package dev.glimpse.cli;

/**
 * The one rule for a {@code --question} on any command: a blank one is refused while the command
 * line is read, before a model loads or a broker starts. Left through, {@code generate} answered an
 * empty prompt and {@code demo}/{@code produce} dropped the task without a word.
 */
final class QuestionOption {
  private QuestionOption() {}

  /** The question as given, or a usage error when it is empty or only white space. */
  static String require(String question) {
    if (question == null || question.isBlank()) {
      throw new Errors.UserError(
          "EMPTY_QUESTION",
          "--question is empty; ask something, e.g. --question"
              + " \"how many shapes are there\", or leave --question out");
    }
    return question;
  }
}
