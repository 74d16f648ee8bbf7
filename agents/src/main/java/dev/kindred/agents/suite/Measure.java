package dev.kindred.agents.suite;

import java.util.List;

/**
 * What a metric measures of one focal agent over one episode: a number, or NaN where it is
 * undefined (a ratio over zero). The kinds, and their fields in a test file:
 * <ul>
 *   <li>{@code stat} ({@code "stat": "hearts"} or a list, summed): per-agent episode statistics
 *       the world reports at an episode's end (the energy world's hearts, energy_spent,
 *       energy_given_to_kin, attacks_blocked, times_frozen, ...);</li>
 *   <li>{@code cells_visited} (optional {@code "fraction_of_free_cells": true}): distinct cells the
 *       agent stood on, its start included, reckoned from its own successful moves and swaps and
 *       its orientation ({@code globals.orientation}); as a fraction of the free cells of the
 *       test's inline map. An agent moved by someone else's swap while frozen is not followed:
 *       exact in tests where nobody can swap it;</li>
 *   <li>{@code first_step} ({@code "when": condition}): the step at which the {@link Condition}
 *       first holds, 1 for the first step; an episode in which it never holds counts as its length
 *       (censored), and the fraction of agent-episodes in which it held is reported beside;</li>
 *   <li>{@code fraction_of_steps} ({@code "when": condition}): the fraction of the episode's steps
 *       after which it holds;</li>
 *   <li>{@code ratio} ({@code "numerator"} and {@code "denominator"}: measures): their quotient,
 *       undefined when the denominator is 0 (such episodes are left out, and n says how many
 *       count).</li>
 * </ul>
 */
public sealed interface Measure {

  /** The sum of the named per-agent episode statistics. */
  record Stat(List<String> stats) implements Measure {
    public Stat {
      stats = List.copyOf(stats);
    }
  }

  /** Distinct cells visited; divided by the map's free cells when {@code fractionOfFreeCells}. */
  record CellsVisited(boolean fractionOfFreeCells) implements Measure {}

  /** The first step at which {@code when} holds (censored at the episode's length). */
  record FirstStep(Condition when) implements Measure {}

  /** The fraction of steps after which {@code when} holds. */
  record FractionOfSteps(Condition when) implements Measure {}

  /** {@code numerator / denominator}, undefined over 0. */
  record Ratio(Measure numerator, Measure denominator) implements Measure {}

  /** The kinds' names, as a test file writes them. */
  List<String> KINDS = List.of("stat", "cells_visited", "first_step", "fraction_of_steps", "ratio");
}
