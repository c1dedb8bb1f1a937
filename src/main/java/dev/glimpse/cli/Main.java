package dev.glimpse.cli;

/** Entry point of target/glimpse.jar. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println("glimpse: commands arrive with the model and pipeline");
  }
}
