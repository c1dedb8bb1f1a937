package dev.glimpse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code generate}: continues one prompt per image, all pairs as one batch.
 *
 * <pre>
 * glimpse generate --model DIR --image a.png --prompt "USER: &lt;image&gt;\nWhat is it? ASSISTANT:" \
 *                  --image b.jpg --question "How many shapes are there?" --max-new-tokens 32 --json
 * </pre>
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Generate text for images: each --image pairs with the --prompt or --question after it; "
            + "all pairs run as one batch.")
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @ArgGroup(exclusive = false, multiplicity = "1..*")
  List<Input> inputs;

  /** One image and what to ask of it. */
  static final class Input {
    @Option(
        names = "--image",
        required = true,
        paramLabel = "FILE",
        description = "An image (PNG, JPEG, WebP, GIF).")
    Path image;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Ask ask;
  }

  /** A raw prompt, or a question put through the checkpoint's chat template. */
  static final class Ask {
    @Option(
        names = "--prompt",
        paramLabel = "TEXT",
        description = "The raw prompt, with an <image> placeholder where the image's tokens go.")
    String prompt;

    String question;

    @Option(
        names = "--question",
        paramLabel = "TEXT",
        description =
            "A question, wrapped in the chat template (LLaVA-1.5: USER: <image>\\n{question} ASSISTANT:).")
    void question(String text) {
      question = QuestionOption.require(text);
    }
  }

  @Option(
      names = "--max-new-tokens",
      defaultValue = "64",
      paramLabel = "N",
      description = "Most tokens to generate per input (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 = greedy (default); above 0, sampling.")
  double temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description = "Sample from the k most likely tokens (0 = all).")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1",
      description = "Sample from the smallest set with this mass (1 = all).")
  double topP;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampler.")
  long seed;

  @Option(
      names = "--stop",
      paramLabel = "TEXT",
      description = "Stop a row when its text contains this (repeatable).")
  List<String> stop = new ArrayList<>();

  @Option(
      names = "--json",
      description = "One JSON object per input, in input order: token_ids, text, ...")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GenerationOptions options =
        new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, stop);
    List<byte[]> images = new ArrayList<>();
    for (Input input : inputs) {
      images.add(readImage(input.image));
    }
    try (VisionLanguageModel vlm = modelOptions.load(err)) {
      List<GenerationRequest> requests = new ArrayList<>();
      for (int i = 0; i < inputs.size(); i++) {
        Input input = inputs.get(i);
        String prompt =
            input.ask.prompt != null ? input.ask.prompt : vlm.questionPrompt(input.ask.question);
        float[] pixels = vlm.pixelValues(images.get(i));
        requests.add(
            GenerationRequest.ofPixels(vlm.encodePrompt(prompt), List.of(pixels), options));
      }
      long start = System.nanoTime();
      List<Generation> generations = vlm.generate(requests);
      double seconds = (System.nanoTime() - start) / 1e9;
      ObjectMapper mapper = new ObjectMapper();
      for (int i = 0; i < generations.size(); i++) {
        Generation g = generations.get(i);
        if (json) {
          ObjectNode node = mapper.createObjectNode();
          node.put("index", i);
          node.put("image", inputs.get(i).image.toString());
          node.putPOJO("token_ids", g.tokenIds());
          node.put("text", g.text());
          node.put("finish_reason", g.finishReason().name().toLowerCase(Locale.ROOT));
          node.put("prompt_tokens", g.promptTokens());
          out.println(mapper.writeValueAsString(node));
        } else {
          out.println((generations.size() > 1 ? "[" + i + "] " : "") + g.text());
        }
      }
      int tokens = generations.stream().mapToInt(g -> g.tokenIds().length).sum();
      err.printf(
          "generated %d tokens for %d inputs in %.2f s%n", tokens, generations.size(), seconds);
    }
    out.flush();
    return 0;
  }

  private static byte[] readImage(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      throw new Errors.UserError(
          "IMAGE_IS_A_FOLDER",
          path
              + " is a folder; --image takes one image file"
              + " (repeat --image FILE for more, or publish a folder with: glimpse produce --images DIR)");
    }
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new Errors.UserError("MISSING_IMAGE", path + " does not exist; check the --image path");
    }
  }
}
