package dev.kindred.agents.tournament;

import com.google.gson.GsonBuilder;
import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.tournament.Ratings.Game;
import dev.kindred.agents.tournament.Ratings.TeamGame;
import dev.kindred.agents.tournament.Tournament.Brain;
import dev.kindred.agents.tournament.Tournament.Pairing;
import dev.kindred.env.Seeds;
import dev.kindred.plot.Charts;
import dev.kindred.stats.SampleStats;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What a tournament's games say, all from the same games: Bradley–Terry ratings with bootstrap
 * intervals over episode seeds, Elo with Metta's schedule, every brain's score per scenario,
 * and per scenario the payoff matrix brain × brain (so that cyclic relations show). Writes
 * {@code results.json} (every game, the configuration, seeds, code version and each brain's
 * provenance), {@code leaderboard.md}, {@code leaderboard.html} and the PNGs {@code ratings.png},
 * {@code payoff.png} and {@code scores.png}.
 */
public final class TournamentReport {
  private TournamentReport() {}

  /** One brain's line of the leaderboard; ratings on the Elo scale. */
  public record Standing(String brain, double rating, double low, double high, double elo, int games, int wins,
      int draws, int losses, double hearts) {}

  /** Mean and 95% half-width of a sample, with its size. */
  public record Estimate(double mean, double ci95, int n) {
    static Estimate of(List<Double> xs) {
      double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
      return new Estimate(a.length == 0 ? Double.NaN : SampleStats.mean(a), a.length < 2 ? Double.NaN
          : SampleStats.ci95(a), a.length);
    }
  }

  /** The analysis of a tournament's pairings. */
  public record Analysis(List<Standing> standings, Map<String, Map<String, Estimate>> scores,
      Map<String, double[][][]> payoff, List<String> brains, List<String> scenarios, List<String> separated,
      List<String> forfeits, Map<String, Map<String, Estimate>> versusBackground) {}

  /** Ratings, scores and payoff matrices of the pairings (deterministic for given pairings and seed). */
  public static Analysis analyse(TournamentConfig cfg, List<String> brainNames, List<Pairing> pairings) {
    int m = brainNames.size();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < m; i++) {
      index.put(brainNames.get(i), i);
    }
    List<String> scenarios = cfg.scenarios().stream().map(Scenario::name).toList();
    List<TeamGame> ordered = new ArrayList<>();
    // Bootstrap units: every game played from one episode seed (one scenario, copy and episode, over all
    // its pairings) is resampled together, keeping the correlation common random numbers bring.
    Map<String, List<TeamGame>> byEpisode = new LinkedHashMap<>();
    Map<String, Map<String, List<Double>>> versus = new LinkedHashMap<>();
    int[][] beat = new int[m][m];
    int[] wins = new int[m];
    int[] draws = new int[m];
    int[] losses = new int[m];
    List<List<Double>> hearts = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      hearts.add(new ArrayList<>());
    }
    Map<String, Map<String, List<Double>>> perScenario = new LinkedHashMap<>();
    Map<String, double[][][]> payoff = new LinkedHashMap<>();
    Map<String, List<List<List<Double>>>> diffs = new LinkedHashMap<>();
    for (String s : scenarios) {
      perScenario.put(s, new LinkedHashMap<>());
      List<List<List<Double>>> d = new ArrayList<>();
      for (int i = 0; i < m; i++) {
        List<List<Double>> row = new ArrayList<>();
        for (int j = 0; j < m; j++) {
          row.add(new ArrayList<>());
        }
        d.add(row);
      }
      diffs.put(s, d);
    }
    List<String> forfeits = new ArrayList<>();
    for (Pairing p : pairings) {
      int a = index.get(p.a());
      if (p.background() != null) {
        // Brain a against a background population: one team game per episode, the background's strength the
        // seat-weighted sum of its members' (team-additive).
        double[] w = new double[m];
        w[a] += 1;
        p.background().forEach((member, share) -> w[index.get(member)] -= share);
        for (Tournament.Game g : p.games()) {
          TeamGame x = new TeamGame(w, g.score());
          ordered.add(x);
          byEpisode.computeIfAbsent(p.scenario() + "/" + g.copy() + "/" + g.episode(), k2 -> new ArrayList<>()).add(x);
          if (g.score() == 1) {
            wins[a]++;
          } else if (g.score() == 0) {
            losses[a]++;
          } else {
            draws[a]++;
          }
          hearts.get(a).add(g.heartsA());
          perScenario.get(p.scenario()).computeIfAbsent(p.a(), k2 -> new ArrayList<>()).add(g.heartsA());
          versus.computeIfAbsent(p.scenario(), k2 -> new LinkedHashMap<>())
              .computeIfAbsent(p.a(), k2 -> new ArrayList<>()).add(g.heartsA() - g.heartsB());
        }
        continue;
      }
      int b = index.get(p.b());
      if (p.forfeitedBy() != null) {
        // A forfeit loses every game of the pairing: both seatings of each pair of episodes it would have played.
        boolean aForfeits = p.forfeitedBy().equals(p.a());
        forfeits.add(p.scenario() + ": " + p.forfeitedBy() + " forfeited against " + (aForfeits ? p.b() : p.a())
            + " (" + p.forfeit() + ")");
        for (int k = 0; k < cfg.episodes(); k++) {
          TeamGame x = TeamGame.of(m, new Game(a, b, aForfeits ? 0 : 1));
          ordered.add(x);
          ordered.add(x);
          byEpisode.put("forfeit/" + p.scenario() + "/" + p.a() + "/" + p.b() + "/" + k, List.of(x, x));
          wins[aForfeits ? b : a] += 2;
          losses[aForfeits ? a : b] += 2;
          beat[aForfeits ? b : a][aForfeits ? a : b] += 2;
        }
        continue;
      }
      for (int k = 0; k + 1 < p.games().size(); k += 2) {
        Tournament.Game ga = p.games().get(k);
        Tournament.Game gb = p.games().get(k + 1);
        TeamGame x = TeamGame.of(m, new Game(a, b, ga.score()));
        TeamGame y = TeamGame.of(m, new Game(a, b, gb.score()));
        ordered.add(x);
        ordered.add(y);
        List<TeamGame> unit = byEpisode.computeIfAbsent(p.scenario() + "/" + ga.copy() + "/" + ga.episode(),
            k2 -> new ArrayList<>());
        unit.add(x);
        unit.add(y);
        for (Tournament.Game g : List.of(ga, gb)) {
          double sc = g.score();
          if (sc == 1) {
            wins[a]++;
            losses[b]++;
            beat[a][b]++;
          } else if (sc == 0) {
            wins[b]++;
            losses[a]++;
            beat[b][a]++;
          } else {
            draws[a]++;
            draws[b]++;
          }
        }
        // A pair's value for each brain: its hearts per agent averaged over the two seatings.
        double ha = (ga.heartsA() + gb.heartsA()) / 2;
        double hb = (ga.heartsB() + gb.heartsB()) / 2;
        hearts.get(a).add(ha);
        hearts.get(b).add(hb);
        perScenario.get(p.scenario()).computeIfAbsent(p.a(), k2 -> new ArrayList<>()).add(ha);
        perScenario.get(p.scenario()).computeIfAbsent(p.b(), k2 -> new ArrayList<>()).add(hb);
        diffs.get(p.scenario()).get(a).get(b).add(ha - hb);
        diffs.get(p.scenario()).get(b).get(a).add(hb - ha);
      }
    }
    double[][] bt = Ratings.bradleyTerryTeamIntervals(m, new ArrayList<>(byEpisode.values()), cfg.bootstrap(), 0.95,
        Seeds.mix(cfg.seed() + 0xB007L));
    double[] elo = Ratings.eloTeams(m, ordered);
    List<Standing> standings = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      standings.add(new Standing(brainNames.get(i), Ratings.eloScale(bt[i][0]), Ratings.eloScale(bt[i][1]),
          Ratings.eloScale(bt[i][2]), elo[i], wins[i] + draws[i] + losses[i], wins[i], draws[i], losses[i],
          Estimate.of(hearts.get(i)).mean()));
    }
    standings.sort(Comparator.comparingDouble(Standing::rating).reversed());
    Map<String, Map<String, Estimate>> scores = new LinkedHashMap<>();
    Map<String, Map<String, Estimate>> background = new LinkedHashMap<>();
    for (String s : scenarios) {
      Map<String, Estimate> row = new LinkedHashMap<>();
      for (String b : brainNames) {
        row.put(b, Estimate.of(perScenario.get(s).getOrDefault(b, List.of())));
      }
      scores.put(s, row);
      if (versus.containsKey(s) || cfg.scenarios().stream().anyMatch(x -> x.name().equals(s) && x.hasBackground())) {
        Map<String, Estimate> v = new LinkedHashMap<>();
        for (String b : brainNames) {
          v.put(b, Estimate.of(versus.getOrDefault(s, Map.of()).getOrDefault(b, List.of())));
        }
        background.put(s, v);
        continue;
      }
      double[][][] mat = new double[m][m][];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          Estimate e = Estimate.of(diffs.get(s).get(i).get(j));
          mat[i][j] = new double[] {e.mean(), e.ci95(), e.n()};
        }
      }
      payoff.put(s, mat);
    }
    // Pairs in which one brain never beat the other: their difference is set by the prior, not the games.
    List<String> separated = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      for (int j = i + 1; j < m; j++) {
        if ((beat[i][j] == 0) != (beat[j][i] == 0)) {
          int w = beat[i][j] == 0 ? j : i;
          separated.add(brainNames.get(w) + " beat " + brainNames.get(w == i ? j : i) + " in every decided game ("
              + Math.max(beat[i][j], beat[j][i]) + ")");
        }
      }
    }
    return new Analysis(standings, scores, payoff, brainNames, scenarios, List.copyOf(separated),
        List.copyOf(forfeits), background);
  }

  /** Writes results.json, the leaderboards and the PNGs into {@code out}; returns the analysis. */
  public static Analysis write(TournamentConfig cfg, List<Brain> brains, List<Pairing> pairings, Path out,
      Instant started, double seconds) throws IOException {
    List<String> names = brains.stream().map(Brain::name).toList();
    Analysis a = analyse(cfg, names, pairings);
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("format", Tournament.FORMAT);
    results.put("name", cfg.name());
    results.put("created", started.toString());
    results.put("seconds", Math.round(seconds * 10) / 10.0);
    results.put("code_version", Checkpoint.currentCodeVersion());
    results.put("seed", cfg.seed());
    results.put("config", cfg.raw());
    List<Map<String, Object>> bl = new ArrayList<>();
    for (Brain b : brains) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", b.name());
      m.putAll(b.provenance());
      bl.add(m);
    }
    results.put("brains", bl);
    List<Map<String, Object>> sl = new ArrayList<>();
    for (int i = 0; i < cfg.scenarios().size(); i++) {
      Scenario s = cfg.scenarios().get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", s.name());
      m.put("world", s.world());
      m.put("world_config", s.worldConfig());
      m.put("layout", s.layout());
      m.put("tags", s.tags());
      m.put("seed", Long.toUnsignedString(Tournament.scenarioSeed(cfg, i)));
      sl.add(m);
    }
    results.put("scenarios", sl);
    results.put("outcome", "each scenario's metric (hearts, or the episode return) per agent of each brain's seats "
        + "in an episode; a game is won by the brain with more (a draw when equal); each pair of games is one episode "
        + "seed with the seats swapped");
    Map<String, Object> ratings = new LinkedHashMap<>();
    ratings.put("bradley_terry", "maximum likelihood (draws count half a win each; " + Ratings.PRIOR_GAMES
        + " virtual draws per pair of brains), on the Elo scale 1000 + 400 log10(strength), mean 1000; 95% "
        + "percentile bootstrap intervals over episode seeds (every game played from one seed, in all pairings of "
        + "its scenario, resampled together), " + cfg.bootstrap() + " resamples");
    ratings.put("elo", "games in order (scenario, pairing, pair, seating), start 1000, K = 32 below 30 games of the "
        + "brain, 16 below 100, 8 after (Metta's schedule)");
    List<Map<String, Object>> st = new ArrayList<>();
    for (Standing s : a.standings()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("brain", s.brain());
      m.put("rating", round(s.rating()));
      m.put("low", round(s.low()));
      m.put("high", round(s.high()));
      m.put("elo", round(s.elo()));
      m.put("games", s.games());
      m.put("wins", s.wins());
      m.put("draws", s.draws());
      m.put("losses", s.losses());
      m.put("hearts_per_agent", round(s.hearts()));
      st.add(m);
    }
    ratings.put("standings", st);
    ratings.put("separated", a.separated());
    ratings.put("forfeits", a.forfeits());
    results.put("ratings", ratings);
    results.put("scores", a.scores());
    Map<String, Object> pay = new LinkedHashMap<>();
    a.payoff().forEach((s, mat) -> {
      Map<String, Object> rows = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int j = 0; j < names.size(); j++) {
          if (i != j) {
            row.put(names.get(j), Map.of("mean", round(mat[i][j][0]), "ci95", round(mat[i][j][1]),
                "pairs", (int) mat[i][j][2]));
          }
        }
        rows.put(names.get(i), row);
      }
      pay.put(s, rows);
    });
    results.put("payoff", pay);
    results.put("versus_background", a.versusBackground());
    results.put("pairings", pairings);
    Files.writeString(out.resolve("results.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
        .serializeSpecialFloatingPointValues().create().toJson(results) + "\n", StandardCharsets.UTF_8);
    Files.writeString(out.resolve("leaderboard.md"), markdown(cfg, a), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("leaderboard.html"), html(cfg, a, pairings), StandardCharsets.UTF_8);
    ratingsPng(a, out.resolve("ratings.png"));
    payoffPng(a, out.resolve("payoff.png"));
    scoresPng(a, out.resolve("scores.png"));
    return a;
  }

  private static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 1e4) / 1e4 : v;
  }

  private static String f(double v, int decimals) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "–";
  }

  /** What the scenarios score: "hearts", "return", or "score" when they differ. */
  static String metric(TournamentConfig cfg) {
    List<String> m = cfg.scenarios().stream().map(Scenario::metric).distinct().toList();
    return m.size() == 1 ? m.get(0) : "score";
  }

  static String markdown(TournamentConfig cfg, Analysis a) {
    String metric = metric(cfg);
    StringBuilder b = new StringBuilder();
    b.append("# Tournament ").append(cfg.name()).append("\n\n");
    b.append("Bradley–Terry ratings on the Elo scale (mean 1000) with 95% bootstrap intervals over episode "
        + "seeds; Elo with Metta's schedule from the same games; " + metric + " per agent-episode over all games.\n\n");
    b.append("| rank | brain | rating | 95% interval | Elo | games | wins | draws | losses | " + metric + "/agent |\n");
    b.append("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
    int rank = 1;
    for (Standing s : a.standings()) {
      b.append(String.format(Locale.ROOT, "| %d | %s | %.0f | [%.0f, %.0f] | %.0f | %d | %d | %d | %d | %.3f |%n",
          rank++, s.brain(), s.rating(), s.low(), s.high(), s.elo(), s.games(), s.wins(), s.draws(), s.losses(),
          s.hearts()));
    }
    if (!a.forfeits().isEmpty()) {
      b.append("\nForfeits (every game of the pairing lost, left out of the hearts and payoffs): ")
          .append(String.join("; ", a.forfeits())).append(".\n");
    }
    if (!a.separated().isEmpty()) {
      b.append("\nNote: ").append(String.join("; ", a.separated())).append(". With no game the other way, the "
          + "likelihood alone would put them infinitely far apart: their rating difference comes from the weak prior "
          + "(" + Ratings.PRIOR_GAMES + " virtual draws per pair), and the bootstrap cannot resample wins that never "
          + "happened, so its interval understates how far apart they may be.\n");
    }
    b.append("\n## " + Character.toUpperCase(metric.charAt(0)) + metric.substring(1)
        + " per agent-episode by scenario (mean ± 95%)\n\n| brain |");
    for (String s : a.scenarios()) {
      b.append(' ').append(s).append(" |");
    }
    b.append("\n|---|");
    b.append("---:|".repeat(a.scenarios().size()));
    b.append('\n');
    for (Standing st : a.standings()) {
      b.append("| ").append(st.brain()).append(" |");
      for (String s : a.scenarios()) {
        Estimate e = a.scores().get(s).get(st.brain());
        b.append(' ').append(f(e.mean(), 2)).append(" ± ").append(f(e.ci95(), 2)).append(" |");
      }
      b.append('\n');
    }
    for (String s : a.scenarios()) {
      if (a.versusBackground().containsKey(s)) {
        Scenario sc = cfg.scenarios().stream().filter(x -> x.name().equals(s)).findFirst().orElseThrow();
        b.append("\n## Against the background: ").append(s).append(" (").append(String.join(", ", sc.background()))
            .append("; the brain's ").append(metric).append(" per agent minus the background's, mean ± 95%)\n\n")
            .append("| brain | difference | episodes |\n|---|---:|---:|\n");
        for (String n : a.brains()) {
          Estimate e = a.versusBackground().get(s).get(n);
          b.append("| ").append(n).append(" | ").append(f(e.mean(), 2)).append(" ± ").append(f(e.ci95(), 2))
              .append(" | ").append(e.n()).append(" |\n");
        }
        continue;
      }
      b.append("\n## Payoff: ").append(s).append(" (row's " + metric + " per agent minus column's, mean ± 95%)\n\n| |");
      for (String n : a.brains()) {
        b.append(' ').append(n).append(" |");
      }
      b.append("\n|---|").append("---:|".repeat(a.brains().size())).append('\n');
      double[][][] mat = a.payoff().get(s);
      for (int i = 0; i < a.brains().size(); i++) {
        b.append("| ").append(a.brains().get(i)).append(" |");
        for (int j = 0; j < a.brains().size(); j++) {
          b.append(i == j ? " |" : " " + f(mat[i][j][0], 2) + " ± " + f(mat[i][j][1], 2) + " |");
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  static String html(TournamentConfig cfg, Analysis a, List<Tournament.Pairing> pairings) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tournament ")
        .append(esc(cfg.name())).append("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
            + "td:nth-child(2),th:nth-child(2){text-align:left}img{max-width:100%}</style></head><body>\n");
    b.append("<h1>Tournament ").append(esc(cfg.name())).append("</h1>\n");
    b.append("<p>Bradley–Terry ratings on the Elo scale (mean 1000), 95% bootstrap intervals over episode seeds; "
        + "Elo with Metta's schedule; hearts per agent-episode over all games.</p>\n<table><tr><th>rank</th>"
        + "<th>brain</th><th>rating</th><th>95% interval</th><th>Elo</th><th>games</th><th>wins</th><th>draws</th>"
        + "<th>losses</th><th>hearts/agent</th></tr>\n");
    int rank = 1;
    for (Standing s : a.standings()) {
      b.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%.0f</td><td>[%.0f, %.0f]</td><td>%.0f</td>"
              + "<td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%.3f</td></tr>%n", rank++, esc(s.brain()), s.rating(),
          s.low(), s.high(), s.elo(), s.games(), s.wins(), s.draws(), s.losses(), s.hearts()));
    }
    b.append("</table>\n<img src=\"ratings.png\" alt=\"ratings with 95% intervals\">\n"
        + "<img src=\"scores.png\" alt=\"hearts per agent by scenario\">\n"
        + "<img src=\"payoff.png\" alt=\"payoff matrices\">\n");
    b.append("<h2>Hearts per agent-episode by scenario (mean ± 95%)</h2>\n<table><tr><th></th><th>brain</th>");
    for (String s : a.scenarios()) {
      b.append("<th>").append(esc(s)).append("</th>");
    }
    b.append("</tr>\n");
    for (Standing st : a.standings()) {
      b.append("<tr><td></td><td>").append(esc(st.brain())).append("</td>");
      for (String s : a.scenarios()) {
        Estimate e = a.scores().get(s).get(st.brain());
        b.append("<td>").append(f(e.mean(), 2)).append(" ± ").append(f(e.ci95(), 2)).append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</table>\n");
    replayLinks(b, pairings);
    b.append("</body></html>\n");
    return b.toString();
  }

  /** The games recorded with --replays, each linked to its replay file (paths relative to this page). */
  private static void replayLinks(StringBuilder b, List<Tournament.Pairing> pairings) {
    boolean any = false;
    for (Tournament.Pairing p : pairings) {
      for (Tournament.Game g : p.games()) {
        if (g.replay() == null) {
          continue;
        }
        if (!any) {
          b.append("<h2>Replays</h2>\n<p>Recorded games (./kindred replay info|verify FILE; ./kindred view FILE).</p>\n"
              + "<ul>\n");
          any = true;
        }
        String href = esc(g.replay()).replace("\"", "&quot;");
        b.append(String.format(Locale.ROOT, "<li><a href=\"%s\">%s: %s vs %s, pair %d, seating %s</a> "
                + "(%s seats %s; hearts per agent %.2f vs %.2f)</li>%n", href, esc(p.scenario()), esc(p.a()), esc(p.b()),
            g.pair(), g.seating(), esc(p.a()), java.util.Arrays.toString(g.seatsA()), g.heartsA(), g.heartsB()));
      }
    }
    if (any) {
      b.append("</ul>\n");
    }
  }

  private static void ratingsPng(Analysis a, Path png) throws IOException {
    List<Standing> s = new ArrayList<>(a.standings());
    java.util.Collections.reverse(s); // the best at the top
    int n = s.size();
    XYChart c = Charts.panel(800, 120 + 45 * n, "Ratings (Bradley–Terry, Elo scale) with 95% bootstrap intervals",
        "rating", "", LegendPosition.InsideSE);
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Standing st = s.get(i);
      XYSeries bar = c.addSeries("interval " + i, new double[] {st.low(), st.high()}, new double[] {i, i});
      bar.setMarker(SeriesMarkers.NONE);
      bar.setLineColor(Charts.BLUE);
      bar.setShowInLegend(false);
      lo = Math.min(lo, Math.min(st.low(), st.elo()));
      hi = Math.max(hi, Math.max(st.high(), st.elo()));
    }
    double[] y = new double[n];
    double[] r = new double[n];
    double[] e = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = i;
      r[i] = s.get(i).rating();
      e[i] = s.get(i).elo();
    }
    Charts.points(c, "Bradley–Terry", new Charts.Points(r, y, null), Charts.BLUE);
    XYSeries elo = Charts.points(c, "Elo (Metta's schedule)", new Charts.Points(e, y, null), Charts.ORANGE);
    elo.setMarker(SeriesMarkers.DIAMOND);
    double pad = Math.max(20, (hi - lo) * 0.08);
    double left = lo - pad - (hi - lo + 2 * pad) * 0.22; // room for the names
    Charts.range(c, left, hi + pad, -0.7, n - 0.3);
    c.getStyler().setYAxisTicksVisible(false);
    for (int i = 0; i < n; i++) {
      AnnotationText name = new AnnotationText(s.get(i).brain(), left + (lo - pad - left) * 0.5, i, false);
      c.addAnnotation(name);
    }
    c.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    c.getStyler().setAnnotationTextFontColor(new Color(0x222222));
    Charts.writePng(png, List.of(c));
  }

  private static void payoffPng(Analysis a, Path png) throws IOException {
    List<HeatMapChart> charts = new ArrayList<>(); // null: a scenario without games (every pairing forfeited)
    int m = a.brains().size();
    double max = 0;
    for (double[][][] mat : a.payoff().values()) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          if (i != j && Double.isFinite(mat[i][j][0])) {
            max = Math.max(max, Math.abs(mat[i][j][0]));
          }
        }
      }
    }
    for (Map<String, Estimate> v : a.versusBackground().values()) {
      for (Estimate e : v.values()) {
        if (Double.isFinite(e.mean())) {
          max = Math.max(max, Math.abs(e.mean()));
        }
      }
    }
    max = max == 0 ? 1 : max;
    for (String s : a.scenarios()) {
      HeatMapChart h = new HeatMapChartBuilder().width(120 + 90 * m).height(110 + 60 * m)
          .title("payoff: " + s + " (row minus column)").build();
      h.getStyler().setShowValue(true);
      h.getStyler().setMin(-max);
      h.getStyler().setMax(max);
      h.getStyler().setRangeColors(new Color[] {Charts.RED, Color.WHITE, Charts.BLUE});
      h.getStyler().setHeatMapValueDecimalPattern("0.00");
      h.getStyler().setChartBackgroundColor(Color.WHITE);
      h.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      h.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      h.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      h.getStyler().setLegendVisible(false);
      h.getStyler().setYAxisTickMarkSpacingHint(20);
      h.getStyler().setXAxisTickMarkSpacingHint(20);
      double[][][] mat = a.payoff().get(s);
      List<Number[]> data = new ArrayList<>();
      List<String> columns = a.brains();
      if (mat == null) { // against a background population: one column
        columns = List.of("background");
        h.setTitle("vs background: " + s);
        for (int i = 0; i < m; i++) {
          Estimate e = a.versusBackground().get(s).get(a.brains().get(i));
          if (Double.isFinite(e.mean())) {
            data.add(new Number[] {0, m - 1 - i, round(e.mean())});
          }
        }
      } else {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < m; j++) {
            if (i != j && Double.isFinite(mat[i][j][0])) {
              data.add(new Number[] {j, m - 1 - i, round(mat[i][j][0])});
            }
          }
        }
      }
      List<String> rows = new ArrayList<>(a.brains());
      java.util.Collections.reverse(rows);
      if (data.isEmpty()) {
        charts.add(null);
        continue;
      }
      h.addSeries("payoff", columns, rows, data);
      charts.add(h);
    }
    // One panel per scenario, three to a row, on a white page (a grid with empty cells is drawn here,
    // since XChart draws no empty heat map).
    int cols = Math.min(3, charts.size());
    int rows = (charts.size() + cols - 1) / cols;
    int w = 120 + 90 * m;
    int hgt = 110 + 60 * m;
    java.awt.image.BufferedImage page = new java.awt.image.BufferedImage(cols * w, rows * hgt,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = page.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, page.getWidth(), page.getHeight());
    for (int k = 0; k < charts.size(); k++) {
      if (charts.get(k) != null) {
        g.drawImage(BitmapEncoder.getBufferedImage(charts.get(k)), (k % cols) * w, (k / cols) * hgt, null);
      } else {
        g.setColor(new Color(0x222222));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString("payoff: " + a.scenarios().get(k) + " — no games (forfeited)", (k % cols) * w + 20,
            (k / cols) * hgt + hgt / 2);
      }
    }
    g.dispose();
    Files.createDirectories(png.toAbsolutePath().getParent());
    javax.imageio.ImageIO.write(page, "png", png.toFile());
  }

  private static void scoresPng(Analysis a, Path png) throws IOException {
    CategoryChart c = new CategoryChartBuilder().width(220 + 140 * a.scenarios().size()).height(460)
        .title("Hearts per agent-episode by scenario (mean, 95% interval)").xAxisTitle("scenario")
        .yAxisTitle("hearts per agent-episode").build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setPlotBackgroundColor(Color.WHITE);
    c.getStyler().setLegendPosition(LegendPosition.OutsideE);
    c.getStyler().setErrorBarsColorSeriesColor(false);
    c.getStyler().setErrorBarsColor(new Color(0x444444));
    c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    for (Standing st : a.standings()) {
      List<Double> means = new ArrayList<>();
      List<Double> errs = new ArrayList<>();
      for (String s : a.scenarios()) {
        Estimate e = a.scores().get(s).get(st.brain());
        means.add(Double.isFinite(e.mean()) ? e.mean() : 0);
        errs.add(Double.isFinite(e.ci95()) ? e.ci95() : 0);
      }
      c.addSeries(st.brain(), a.scenarios(), means, errs);
    }
    Files.createDirectories(png.toAbsolutePath().getParent());
    try (OutputStream o = Files.newOutputStream(png)) {
      BitmapEncoder.saveBitmap(c, o, BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
