package dev.kindred.env.energy;

import dev.kindred.env.Scope;
import dev.kindred.env.StatSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-episode statistics: the same list per agent and, summed over agents, per copy (with a
 * {@code total_} prefix). Kept as doubles in {@link EnergyState#stats}, {@code [agent * COUNT + s]}.
 */
final class Stats {
  private Stats() {}

  static final int HEARTS = 0;
  static final int RAW_REWARD = 1;
  static final int REWARD = 2;
  static final int KIN_REWARD = 3;
  static final int ENERGY_GATHERED = 4;
  static final int ENERGY_SPENT = 5;
  static final int RESOURCES_COLLECTED = 6;
  static final int ATTACKS = 7;
  static final int FREEZES = 8;
  static final int TIMES_FROZEN = 9;
  static final int ATTACKS_BLOCKED = 10;
  static final int SHIELDS = 11;
  static final int SWAPS = 12;
  static final int GIFTS = 13;
  static final int ENERGY_GIVEN = 14;
  static final int ACTIONS_FAILED = 15;
  static final int ENERGY_GIVEN_TO_KIN = 16;
  static final int ENERGY_GIVEN_TO_NONKIN = 17;

  static final String[][] NAMES = {
      {"hearts", "altar uses"},
      {"raw_reward", "reward earned at the altar, before kinship sharing"},
      {"reward", "reward received after kinship sharing (the episode return)"},
      {"kin_reward", "reward received from other agents through kinship: sum over j != i of K[i][j] r_j"},
      {"energy_gathered", "energy gained from converters"},
      {"energy_spent", "energy paid for actions, shield upkeep and the altar"},
      {"resources_collected", "crystals taken from generators"},
      {"attacks", "attacks that hit an agent (frozen or blocked)"},
      {"freezes", "agents this agent froze"},
      {"times_frozen", "times this agent was frozen"},
      {"attacks_blocked", "hits this agent's shield absorbed"},
      {"shields", "times this agent raised its shield"},
      {"swaps", "swaps with frozen agents"},
      {"gifts", "successful gives (energy or crystals)"},
      {"energy_given", "energy handed to other agents"},
      {"actions_failed", "actions that had no effect"},
      {"energy_given_to_kin", "energy handed to kin: agents j whose reward this agent i shares, K[i][j] > 0"},
      {"energy_given_to_nonkin", "energy handed to agents whose reward this agent does not share, K[i][j] = 0"},
  };

  /** The statistics kept in {@link EnergyState#stats}. */
  static final int COUNT = NAMES.length;

  /** With {@code observation = tokens}, one more after those, kept by the observer. */
  static final int TOKENS_DROPPED = COUNT;
  static final String[] TOKENS_DROPPED_NAME = {"tokens_dropped", "observation tokens left out because the window held "
      + "more than token_budget (the farthest cells first); 0 while every window fits"};

  /** Statistics per agent: {@link #COUNT}, and {@code tokens_dropped} when tokens are observed. */
  static int count(boolean tokens) {
    return tokens ? COUNT + 1 : COUNT;
  }

  static List<StatSpec> specs(boolean tokens) {
    List<String[]> names = new ArrayList<>(List.of(NAMES));
    if (tokens) {
      names.add(TOKENS_DROPPED_NAME);
    }
    List<StatSpec> out = new ArrayList<>();
    for (String[] n : names) {
      out.add(new StatSpec(n[0], n[1], Scope.AGENT));
    }
    for (String[] n : names) {
      out.add(new StatSpec("total_" + n[0], n[1] + ", summed over agents", Scope.COPY));
    }
    return out;
  }
}
