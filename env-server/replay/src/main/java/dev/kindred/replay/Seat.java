package dev.kindred.replay;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Who controlled which agents of a recorded episode (the header's {@code seats}).
 *
 * @param name   the seat's name (a brain's name in a tournament, "all" for a single controller)
 * @param agents the agent indices it controlled
 * @param brain  what played it
 */
public record Seat(String name, int[] agents, Brain brain) {
  public Seat {
    Objects.requireNonNull(name, "name");
    agents = agents.clone();
    Objects.requireNonNull(brain, "brain");
  }

  /** One seat holding every one of {@code agentCount} agents. */
  public static Seat all(int agentCount, Brain brain) {
    int[] a = new int[agentCount];
    Arrays.setAll(a, i -> i);
    return new Seat(brain.name(), a, brain);
  }

  /**
   * A brain's identity: {@code kind} is checkpoint (with the parameters' SHA-256), builtin,
   * remote (with its command and language) or client (with its language); absent parts are null.
   */
  public record Brain(String kind, String name, String sha256, String language, String command) {
    public Brain {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }

    public static Brain builtin(String name) {
      return new Brain("builtin", name, null, "java", null);
    }

    public static Brain checkpoint(String name, String sha256) {
      return new Brain("checkpoint", name, sha256, "java", null);
    }

    public static Brain remote(String name, String command, String language) {
      return new Brain("remote", name, null, language, command);
    }

    public static Brain client(String name, String language) {
      return new Brain("client", name, null, language, null);
    }

    /** As the header writes it: only the parts that are known. */
    public Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("name", name);
      if (sha256 != null) {
        m.put("sha256", sha256);
      }
      if (language != null) {
        m.put("language", language);
      }
      if (command != null) {
        m.put("command", command);
      }
      return m;
    }
  }

  /** As the header writes it. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("agents", Arrays.stream(agents).boxed().toList());
    m.put("brain", brain.toJson());
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Seat s && s.name.equals(name) && Arrays.equals(s.agents, agents) && s.brain.equals(brain);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(agents), brain);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(agents) + "=" + brain.kind() + ":" + brain.name();
  }
}
