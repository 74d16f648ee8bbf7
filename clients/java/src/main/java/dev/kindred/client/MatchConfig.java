package dev.kindred.client;

import dev.kindred.env.SessionOptions;
import dev.kindred.proto.v1.MatchOptions;
import dev.kindred.proto.v1.SeatLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a match seats its world's agents and how it plays (see {@link KindredClient#createMatch}):
 * named seats, each a list of the world's agent indices (together a partition of the agents),
 * or one seat per agent; what each seat may not see; the deadline and the fallback of a seat
 * that does not submit in time.
 *
 * <pre>{@code
 * MatchConfig.builder().seat("red", 0, 1, 2).seat("blue", 3, 4, 5)
 *     .maxActionTime(Duration.ofSeconds(2)).build();
 * }</pre>
 */
public final class MatchConfig {
  private final List<SeatLayout> seats;
  private final boolean seatPerAgent;
  private final MatchOptions options;
  private final SessionOptions session;

  private MatchConfig(Builder b) {
    List<SeatLayout> s = new ArrayList<>();
    for (Map.Entry<String, int[]> e : b.seats.entrySet()) {
      SeatLayout.Builder l = SeatLayout.newBuilder().setName(e.getKey());
      for (int a : e.getValue()) {
        l.addAgents(a);
      }
      l.addAllWithholdObservations(b.withheld.getOrDefault(e.getKey(), List.of()));
      s.add(l.build());
    }
    this.seats = List.copyOf(s);
    this.seatPerAgent = b.seatPerAgent;
    MatchOptions.Builder o = MatchOptions.newBuilder().setFallback(b.fallback)
        .setStartBeforeAllJoined(b.startBeforeAllJoined);
    if (b.maxActionTime != null) {
      o.setMaxActionTimeMs((int) Math.min(Integer.MAX_VALUE, b.maxActionTime.toMillis()));
    }
    this.options = o.build();
    this.session = b.session;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The seats as the wire has them (empty with {@link #seatPerAgent()}). */
  public List<SeatLayout> seats() {
    return seats;
  }

  public boolean seatPerAgent() {
    return seatPerAgent;
  }

  public MatchOptions options() {
    return options;
  }

  /** Autoreset mode, observations, sparse encoding and client name of the match's session. */
  public SessionOptions sessionOptions() {
    return session;
  }

  public static final class Builder {
    private final Map<String, int[]> seats = new LinkedHashMap<>();
    private final Map<String, List<String>> withheld = new LinkedHashMap<>();
    private boolean seatPerAgent;
    private Duration maxActionTime;
    private String fallback = "";
    private boolean startBeforeAllJoined;
    private SessionOptions session = SessionOptions.defaults();

    /** A seat controlling these agents of every copy (its agent axis in this order). */
    public Builder seat(String name, int... agents) {
      seats.put(name, agents.clone());
      return this;
    }

    /** Copy-scope observations (e.g. a full map) the seat does not receive. */
    public Builder withhold(String seat, String... observations) {
      withheld.computeIfAbsent(seat, k -> new ArrayList<>()).addAll(List.of(observations));
      return this;
    }

    /** Every agent its own seat, named after the agent. */
    public Builder seatPerAgent() {
      this.seatPerAgent = true;
      return this;
    }

    /** How long a held seat has to submit, from the step's first submission (server default 30 s). */
    public Builder maxActionTime(Duration d) {
      this.maxActionTime = d;
      return this;
    }

    /** {@code "noop"} (the default) or {@code "random"}. */
    public Builder fallback(String name) {
      this.fallback = name;
      return this;
    }

    /** Step before every seat has joined once (absent seats on the fallback). */
    public Builder startBeforeAllJoined(boolean b) {
      this.startBeforeAllJoined = b;
      return this;
    }

    public Builder sessionOptions(SessionOptions o) {
      this.session = o;
      return this;
    }

    public MatchConfig build() {
      return new MatchConfig(this);
    }
  }
}
