package dev.kindred.server.match;

import dev.kindred.env.Autoreset;
import dev.kindred.env.EnvException;
import dev.kindred.env.Quote;
import dev.kindred.env.Scope;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.MatchOptions;
import dev.kindred.proto.v1.SeatLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A match's seats and options as CreateSession asks for them, checked against the session's
 * world before anything is built: the seats partition the world's agents (every agent in exactly
 * one seat, the same in every copy), their names are short and distinct, what they withhold is a
 * copy-scope observation the session returns, and the options are in range.
 *
 * @param seats                the seats, in the order asked
 * @param maxActionMillis      how long a held seat has to submit, from the step's first submission
 * @param fallback             what a late or absent seat's agents do
 * @param startBeforeAllJoined whether the world may step before every seat has been joined once
 */
public record MatchLayout(List<SeatDef> seats, long maxActionMillis, Fallback fallback, boolean startBeforeAllJoined) {
  /** The default of {@code max_action_time_ms}: generous, for brains that think. */
  public static final long DEFAULT_MAX_ACTION_MILLIS = 30_000;
  /** The largest {@code max_action_time_ms}: an hour. */
  public static final long MAX_ACTION_MILLIS = 3_600_000;
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");

  /** What the agents of a seat that did not submit in time do. */
  public enum Fallback {
    /** The all-zeros action (the energy world's noop). */
    NOOP,
    /** Uniform over the action spec's valid combinations (or each dimension's values). */
    RANDOM
  }

  /**
   * One seat.
   *
   * @param agents        the world's agent indices, in the seat's order
   * @param withheld      per observation of the session (in its order): whether the seat does not
   *                      receive it
   * @param withheldNames the same, by name, in the order asked
   */
  public record SeatDef(String name, int[] agents, boolean[] withheld, List<String> withheldNames) {
    public SeatDef {
      agents = agents.clone();
      withheld = withheld.clone();
      withheldNames = List.copyOf(withheldNames);
    }

    @Override
    public int[] agents() {
      return agents.clone();
    }

    public int agent(int j) {
      return agents[j];
    }

    public int size() {
      return agents.length;
    }

    public boolean withholds(int observation) {
      return withheld[observation];
    }

    public SeatLayout toProto() {
      SeatLayout.Builder b = SeatLayout.newBuilder().setName(name).addAllWithholdObservations(withheldNames);
      for (int a : agents) {
        b.addAgents(a);
      }
      return b.build();
    }
  }

  /**
   * The match a CreateSession asks for, or null for a plain session (no seats, no options).
   *
   * @param world        the world's spec
   * @param observations the observations the session returns, in its order
   * @throws EnvException INVALID_ARGUMENT naming the field and what was expected
   */
  public static MatchLayout of(CreateSessionRequest request, WorldSpec world, List<TensorSpec> observations,
      Autoreset autoreset) {
    boolean seatsGiven = request.getSeatsCount() > 0;
    if (!seatsGiven && !request.getSeatPerAgent()) {
      if (request.hasMatch()) {
        throw EnvException.invalid("match", "match options need seats; set seats (e.g. {\"red\": [0, 1], "
            + "\"blue\": [2, 3]}) or seat_per_agent, or leave match unset for a session with one controller");
      }
      return null;
    }
    if (seatsGiven && request.getSeatPerAgent()) {
      throw EnvException.invalid("seat_per_agent", "is set together with " + request.getSeatsCount()
          + " seats; give either the seats or seat_per_agent, not both");
    }
    if (autoreset == Autoreset.DISABLED) {
      throw EnvException.invalid("autoreset", "a match needs AUTORESET_NEXT_STEP or AUTORESET_SAME_STEP: its world "
          + "resets itself, since no seat may Reset it");
    }
    int agents = world.numAgents();
    if (agents == 0) {
      throw EnvException.invalid("seats", "world '" + world.worldId() + "' has no agents to seat with this "
          + "configuration");
    }
    List<SeatDef> seats = new ArrayList<>();
    if (request.getSeatPerAgent()) {
      boolean[] none = new boolean[observations.size()];
      Set<String> names = new HashSet<>();
      for (int a = 0; a < agents; a++) {
        String n = world.agentNames().get(a).toLowerCase(Locale.ROOT);
        if (!NAME.matcher(n).matches() || !names.add(n)) {
          n = "agent_" + a;
          names.add(n);
        }
        seats.add(new SeatDef(n, new int[] {a}, none, List.of()));
      }
    } else {
      int[] seatOf = new int[agents];
      java.util.Arrays.fill(seatOf, -1);
      Set<String> names = new HashSet<>();
      for (int s = 0; s < request.getSeatsCount(); s++) {
        SeatLayout l = request.getSeats(s);
        String field = "seats[" + s + "]";
        if (!NAME.matcher(l.getName()).matches()) {
          throw EnvException.invalid(field + ".name", "'" + Quote.excerpt(l.getName(), 40) + "' is not a seat name; "
              + "expected 1 to 32 characters from a-z, 0-9, '_' and '-'");
        }
        if (!names.add(l.getName())) {
          throw EnvException.invalid(field + ".name", "seat '" + l.getName() + "' is named twice; seat names are "
              + "distinct");
        }
        if (l.getAgentsCount() == 0) {
          throw EnvException.invalid(field + ".agents", "seat '" + l.getName() + "' has no agents; every seat "
              + "controls at least one agent");
        }
        int[] own = new int[l.getAgentsCount()];
        for (int j = 0; j < own.length; j++) {
          long a = Integer.toUnsignedLong(l.getAgents(j));
          if (a >= agents) {
            throw EnvException.invalid(field + ".agents", "seat '" + l.getName() + "' names agent " + a + "; world '"
                + world.worldId() + "' has agents 0.." + (agents - 1) + " with this configuration");
          }
          if (seatOf[(int) a] >= 0) {
            String other = seatOf[(int) a] == s ? "twice" : "also in seat '" + request.getSeats(seatOf[(int) a])
                .getName() + "'";
            throw EnvException.invalid(field + ".agents", "agent " + a + " is " + other + "; the seats must partition "
                + "the agents (each agent in exactly one seat)");
          }
          seatOf[(int) a] = s;
          own[j] = (int) a;
        }
        seats.add(new SeatDef(l.getName(), own, withheld(field, l, observations),
            l.getWithholdObservationsList()));
      }
      List<Integer> unseated = new ArrayList<>();
      for (int a = 0; a < agents; a++) {
        if (seatOf[a] < 0) {
          unseated.add(a);
        }
      }
      if (!unseated.isEmpty()) {
        throw EnvException.invalid("seats", "agents " + Quote.excerpt(unseated.toString(), 80) + " are in no seat; "
            + "the seats must partition the world's " + agents + " agents (each agent in exactly one seat)");
      }
    }
    MatchOptions o = request.getMatch();
    long maxAction = Integer.toUnsignedLong(o.getMaxActionTimeMs());
    if (maxAction > MAX_ACTION_MILLIS) {
      throw EnvException.invalid("match.max_action_time_ms", maxAction + " is more than the largest, "
          + MAX_ACTION_MILLIS + " (an hour)");
    }
    Fallback fallback = switch (o.getFallback()) {
      case "", "noop" -> Fallback.NOOP;
      case "random" -> Fallback.RANDOM;
      default -> throw EnvException.invalid("match.fallback", "'" + Quote.excerpt(o.getFallback(), 40)
          + "' is not a fallback; expected \"noop\" (the default) or \"random\"");
    };
    return new MatchLayout(List.copyOf(seats), maxAction == 0 ? DEFAULT_MAX_ACTION_MILLIS : maxAction, fallback,
        o.getStartBeforeAllJoined());
  }

  private static boolean[] withheld(String field, SeatLayout l, List<TensorSpec> observations) {
    boolean[] w = new boolean[observations.size()];
    for (String name : l.getWithholdObservationsList()) {
      int found = -1;
      for (int i = 0; i < observations.size(); i++) {
        if (observations.get(i).name().equals(name)) {
          found = i;
        }
      }
      if (found < 0) {
        throw EnvException.invalid(field + ".withhold_observations", "'" + Quote.excerpt(name, 40) + "' is not an "
            + "observation of this session; it returns " + String.join(", ",
                observations.stream().map(TensorSpec::name).toList()));
      }
      if (observations.get(found).scope() != Scope.COPY) {
        throw EnvException.invalid(field + ".withhold_observations", "'" + name + "' is an observation of each agent; "
            + "only copy-scope observations can be withheld from a seat (to drop it for every seat, leave it out of "
            + "CreateSessionRequest.observations)");
      }
      if (w[found]) {
        throw EnvException.invalid(field + ".withhold_observations", "'" + name + "' is listed twice");
      }
      w[found] = true;
    }
    return w;
  }

  /** Names of the seats, in order, for messages. */
  public String seatNames() {
    return String.join(", ", seats.stream().map(SeatDef::name).toList());
  }

  public MatchOptions optionsProto() {
    return MatchOptions.newBuilder().setMaxActionTimeMs((int) maxActionMillis)
        .setFallback(fallback.name().toLowerCase(Locale.ROOT)).setStartBeforeAllJoined(startBeforeAllJoined).build();
  }
}
