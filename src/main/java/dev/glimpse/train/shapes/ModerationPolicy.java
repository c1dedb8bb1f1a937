package dev.glimpse.train.shapes;

import java.util.List;

/**
 * Which scenes the demo flags, and how the model is asked about them.
 *
 * <p>A scene is flagged for a category when it contains that category's shape (see {@link
 * ModerationCategory}); the ground truth is a pure function of the scene, so precision and recall
 * of the trained model can be measured exactly. The model is asked {@link #question} and must
 * answer {@link #YES} or {@link #NO}.
 */
public final class ModerationPolicy {

  public static final String YES = "yes";
  public static final String NO = "no";

  /** The policy of the built-in demo: every {@link ModerationCategory}. */
  public static final ModerationPolicy DEMO =
      new ModerationPolicy(List.of(ModerationCategory.values()));

  private final List<ModerationCategory> categories;

  public ModerationPolicy(List<ModerationCategory> categories) {
    if (categories.isEmpty()) {
      throw new IllegalArgumentException("a policy needs at least one category");
    }
    this.categories = List.copyOf(categories);
  }

  /** The categories, in declaration order. */
  public List<ModerationCategory> categories() {
    return categories;
  }

  /** True when the scene violates this category of the policy. */
  public boolean isFlagged(Scene scene, ModerationCategory category) {
    return scene.contains(category.kind(), category.color());
  }

  /** The categories the scene violates, in declaration order. */
  public List<ModerationCategory> flags(Scene scene) {
    return categories.stream().filter(c -> isFlagged(scene, c)).toList();
  }

  /** The yes/no question the model is asked for this category ("is there a warning sign"). */
  public String question(ModerationCategory category) {
    return category.question();
  }

  /** The correct answer to {@link #question} for this scene: "yes" or "no". */
  public String answer(Scene scene, ModerationCategory category) {
    return isFlagged(scene, category) ? YES : NO;
  }
}
