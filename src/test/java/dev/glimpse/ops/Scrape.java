package dev.glimpse.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Prometheus text-format scrape, read into series: a name, its labels, its value. */
public record Scrape(List<Series> series) {
  private static final Pattern LINE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+).*");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  public record Series(String name, Map<String, String> labels, double value) {}

  public static Scrape parse(String text) {
    List<Series> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a Prometheus text line: " + line);
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.add(new Series(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
    return new Scrape(List.copyOf(out));
  }

  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    series.forEach(s -> names.add(s.name()));
    return names;
  }

  /** The sum of every series of this name whose labels include these (label, value) pairs. */
  public double value(String name, String... labelPairs) {
    double sum = 0;
    boolean found = false;
    for (Series s : series) {
      if (!s.name().equals(name)) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < labelPairs.length; i += 2) {
        match &= labelPairs[i + 1].equals(s.labels().get(labelPairs[i]));
      }
      if (match) {
        sum += s.value();
        found = true;
      }
    }
    if (!found) {
      throw new AssertionError(
          "no series " + name + " with " + List.of(labelPairs) + " in the scrape");
    }
    return sum;
  }
}
