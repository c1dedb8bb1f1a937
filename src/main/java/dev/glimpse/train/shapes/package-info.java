/**
 * The shapes world: a synthetic domain the built-in demo model is trained on (the LiMBeR recipe:
 * frozen vision tower, frozen language model, one trained linear projection between them).
 *
 * <p>Why synthetic: the demo must train in minutes, offline, from nothing but this code, and be
 * scored exactly. Every picture comes from a {@link dev.glimpse.train.shapes.Scene} whose contents
 * are known, so every caption, answer and moderation verdict has one ground truth.
 *
 * <h2>How the pieces fit</h2>
 *
 * <ul>
 *   <li>{@link dev.glimpse.train.shapes.SceneGenerator} draws a scene from a {@link
 *       java.util.SplittableRandom}: 1 to 3 shapes of 5 kinds, 6 colours and 2 sizes, never two of
 *       the same kind and colour, never overlapping, on a light background;
 *   <li>{@link dev.glimpse.train.shapes.ShapeRenderer} draws it (64 px by default) with optional
 *       mild jitter, all seeded by the scene;
 *   <li>{@link dev.glimpse.train.shapes.ShapesLanguage} captions it and asks it questions of each
 *       {@link dev.glimpse.train.shapes.QuestionType}; {@link
 *       dev.glimpse.train.shapes.ModerationPolicy} says which {@link
 *       dev.glimpse.train.shapes.ModerationCategory} it violates;
 *   <li>{@link dev.glimpse.train.shapes.ShapesDataset} combines them into an unlimited,
 *       random-access stream of {@link dev.glimpse.train.shapes.Example}s with disjoint training
 *       and evaluation seeds;
 *   <li>{@link dev.glimpse.train.shapes.ShapesPrompt} wraps a question in the LLaVA-1.5 template,
 *       {@link dev.glimpse.train.shapes.ShapesVocabulary} tokenizes it, and {@link
 *       dev.glimpse.train.shapes.TokenizerJsonWriter} writes the same tokenizer as a Hugging Face
 *       {@code tokenizer.json} (committed as {@code dev/glimpse/train/shapes/tokenizer.json}).
 * </ul>
 *
 * <h2>For a trainer</h2>
 *
 * <pre>{@code
 * ShapesDataset.Splits splits = ShapesDataset.split(seed, DatasetConfig.defaults());
 * Example e = splits.train().example(step * batch + i);          // any index, any thread
 * // <s> USER : <image> ... ASSISTANT :
 * int[] prompt = ShapesVocabulary.SHAPES.encode(e.prompt(), true);
 * // the answer's words and </s>: the tokens the loss covers
 * int[] target = ShapesVocabulary.SHAPES.encode(e.target(), false);
 * }</pre>
 *
 * <h2>For an evaluator</h2>
 *
 * Draw from {@code splits.evaluation()}, generate after {@code <s>} + prompt until {@code </s>},
 * decode with special tokens skipped and score with {@link
 * dev.glimpse.train.shapes.ShapesLanguage#isCorrect}; for moderation, the ground truth is {@link
 * dev.glimpse.train.shapes.ModerationPolicy#isFlagged}, and the model's verdict is its yes/no.
 */
package dev.glimpse.train.shapes;
