package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.cli.Main;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.ShapesDataset;
import dev.glimpse.train.shapes.ShapesLanguage;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few steps of every stage lower its loss; the result is a loadable checkpoint that eval scores.
 */
class ShapesTrainerTest {

  @TempDir Path tmp;

  @Test
  void aFewStepsOfEachStageLowerTheLossAndEvalReportsTheContractFields() throws Exception {
    Path out = tmp.resolve("model");
    ShapesTrainer.Settings settings =
        ShapesTrainer.Settings.defaults(3)
            .withBatch(12)
            .withSteps(30, 30, 10, 3)
            .withProbeExamples(24);
    StringWriter log = new StringWriter();
    ShapesTrainer trainer = new ShapesTrainer(settings, new PrintWriter(log, true));
    trainer.run(out);
    List<ShapesTrainer.StageResult> results = trainer.results();
    assertEquals(
        List.of("language", "vision", "projector-linear", "blind"),
        results.stream().map(ShapesTrainer.StageResult::name).toList());
    for (ShapesTrainer.StageResult r : results.subList(0, 2)) {
      assertTrue(r.lastLoss() < r.firstLoss() * 0.8, r + "\n" + log);
    }
    assertTrue(log.toString().contains("[language] step 30/30 loss"), log.toString());
    for (String file :
        List.of(
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json",
            "preprocessor_config.json",
            "generation_config.json",
            "blind/model.safetensors")) {
      assertTrue(Files.isRegularFile(out.resolve(file)), file);
    }
    assertTrue(Files.size(out.resolve("model.safetensors")) < 4_000_000);
    JsonNode trained = new ObjectMapper().readTree(out.resolve("train_report.json").toFile());
    for (JsonNode stage : trained.get("stages")) {
      if (stage.get("name").asText().equals("vision")) {
        continue; // its probe is the projector's, with the tower frozen
      }
      JsonNode held = stage.get("held_out_accuracy");
      assertTrue(held != null && held.has("caption") && held.has("caption/1"), stage.toString());
    }

    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(stdout, true),
            new PrintWriter(stderr, true),
            "eval",
            "--model",
            out.toString(),
            "--count",
            "12",
            "--seed",
            "99",
            "--json");
    assertEquals(0, code, stderr.toString());
    String[] lines = stdout.toString().strip().split("\n");
    JsonNode report = new ObjectMapper().readTree(lines[lines.length - 1]);
    for (String field :
        List.of(
            "caption_exact_match",
            "vqa_accuracy",
            "accuracy_color",
            "accuracy_count",
            "accuracy_exists",
            "accuracy_position",
            "accuracy_which_shape",
            "blind_vqa_accuracy",
            "moderation_precision",
            "moderation_recall")) {
      assertTrue(report.has(field), field + " in " + report);
    }
    assertEquals(12, report.get("count").asInt());
    assertTrue(report.get("blind_vqa_accuracy").isNumber(), report.toString());
  }

  @Test
  void whenSilenceRunsOutEveryStepIsReportedAndTheCurvesAreDrawnBesideTheReport() throws Exception {
    Path out = tmp.resolve("tiny");
    ShapesTrainer.Settings settings =
        ShapesTrainer.Settings.defaults(4).withBatch(6).withSteps(3, 4, 2, 2).withProbeExamples(12);
    StringWriter log = new StringWriter();
    // no silence allowed: every step and every probe batch says where it is
    ShapesTrainer trainer = new ShapesTrainer(settings, new PrintWriter(log, true), Duration.ZERO);

    trainer.run(out);

    Map<String, Integer> steps =
        Map.of("language", 4, "vision", 3, "projector-linear", 2, "blind", 2);
    steps.forEach(
        (stage, n) -> {
          for (int step = 1; step <= n; step++) {
            assertTrue(
                log.toString().contains("[" + stage + "] step " + step + "/" + n + " loss"),
                stage + " " + step + "\n" + log);
          }
        });
    assertTrue(log.toString().contains("[language] held-out probe: 6/12 examples"), log.toString());
    assertEquals(
        List.of("language", "vision", "projector-linear", "blind"),
        trainer.curves().stream().map(TrainingCurves.Stage::name).toList());
    for (TrainingCurves.Stage stage : trainer.curves()) {
      assertEquals(steps.get(stage.name()), stage.loss().size(), stage.toString());
      assertEquals(steps.get(stage.name()), stage.accuracy().size(), stage.toString());
    }
    Path png = out.resolve(TrainingCurves.FILE);
    assertTrue(
        Files.isRegularFile(out.resolve("train_report.json")) && Files.isRegularFile(png),
        png.toString());
    BufferedImage curves = ImageIO.read(png.toFile());
    assertEquals(TrainingCurves.WIDTH, curves.getWidth());
    assertEquals(TrainingCurves.HEIGHT, curves.getHeight());
    assertTrue(
        log.toString().contains("wrote " + png + " (loss and accuracy curves of every stage)"),
        log.toString());
  }

  @Test
  void slotsDescribeTheSceneInCaptionOrder() {
    var dataset = ShapesDataset.split(5, DatasetConfig.defaults()).evaluation();
    for (int i = 0; i < 200; i++) {
      var scene = dataset.example(i).scene();
      String caption = ShapesLanguage.caption(scene);
      String[] slots = SceneSlots.words(scene, 16).split(" ");
      StringBuilder fromSlots = new StringBuilder();
      for (int s = 0; s < scene.count(); s++) {
        String[] bag = slots[s].split("\\+");
        assertEquals(4, bag.length, slots[s]);
        fromSlots
            .append("a ")
            .append(bag[0])
            .append(' ')
            .append(bag[1])
            .append(' ')
            .append(bag[2])
            .append(' ');
      }
      String phrases =
          caption.replace(" to the left of ", " ").replace(" above ", " ").replace(" and ", " ");
      assertEquals(phrases + " ", fromSlots.toString(), caption + " vs " + String.join(" ", slots));
      assertEquals(ShapesLanguage.number(scene.count()), slots[SceneSlots.COUNT_SLOT]);
      String joiner =
          scene.count() == 1
              ? "<pad>"
              : caption.contains(" to the left of ")
                  ? "left"
                  : caption.contains(" above ") ? "above" : "and";
      assertEquals(joiner, slots[SceneSlots.JOINER_SLOT], caption);
      for (int s = scene.count(); s < 16; s++) {
        if (s != SceneSlots.COUNT_SLOT && s != SceneSlots.JOINER_SLOT) {
          assertEquals("<pad>", slots[s], String.join(" ", slots));
        }
      }
    }
  }
}
