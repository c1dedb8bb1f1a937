package dev.glimpse.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names the Grafana dashboard's PromQL queries read, taken from the JSON itself. */
final class DashboardQueries {
  static final Path DASHBOARD =
      Path.of(
          System.getProperty("glimpse.basedir", "."),
          "ops",
          "grafana",
          "dashboards",
          "glimpse.json");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  /**
   * PromQL's functions, aggregations and keywords that appear in the queries without being metrics.
   */
  private static final Set<String> PROMQL =
      Set.of(
          "sum",
          "rate",
          "irate",
          "increase",
          "max",
          "min",
          "avg",
          "count",
          "histogram_quantile",
          "by",
          "without",
          "on",
          "ignoring",
          "and",
          "or",
          "unless",
          "clamp_min",
          "clamp_max");

  private DashboardQueries() {}

  /** Every query ("expr") of every panel. */
  static List<String> expressions() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> out = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        out.add(target.get("expr").asText());
      }
    }
    return out;
  }

  /** The metric (series) names one query reads: label matchers, groupings and ranges removed. */
  static Set<String> metricNames(String expr) {
    String bare =
        expr.replaceAll("\\{[^}]*\\}", " ")
            .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\[[^\\]]*\\]", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      String word = m.group();
      if (!PROMQL.contains(word)) {
        names.add(word);
      }
    }
    return names;
  }
}
