package dev.kindred.env;

import java.util.List;
import java.util.Objects;

/**
 * Options of one session, shared by {@code KindredClient.make} and the in-process
 * {@code LocalVectorEnv}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code autoreset} (default {@code NEXT_STEP}): what happens after an episode
 *       ends, see {@link Autoreset};
 *   <li>{@code observations} (default empty: all): the names of the observations to compute
 *       and return, in any order (the batch keeps spec order);
 *   <li>{@code clientName} (default "kindred-java"): shown in the server's logs;
 *   <li>{@code streaming} (default true): whether {@link VectorEnv#step} travels over one
 *       long-lived {@code StepStream} (faster) or one unary {@code Step} call per step.
 *       Ignored in process;
 *   <li>{@code sparseObservations} (default true): let the server send mostly-zero
 *       observation tensors as their nonzero bytes (TENSOR_ENCODING_SPARSE_BYTES) whenever that
 *       is smaller; the batch holds the same bytes either way. Ignored in process;
 *   <li>{@code record} (default: none): copies the server records as replay files
 *       (CreateSessionRequest.record; fetch them with {@code RemoteVectorEnv.fetchReplay}), a list
 *       of copies or all of them. Ignored in process (use the world decorator hook there).
 * </ul>
 */
public final class SessionOptions {
  private final Autoreset autoreset;
  private final List<String> observations;
  private final String clientName;
  private final boolean streaming;
  private final boolean sparseObservations;
  private final List<Integer> recordCopies;
  private final boolean recordAllCopies;
  private final int firstCopy;

  private SessionOptions(Builder b) {
    this.firstCopy = b.firstCopy;
    this.recordCopies = List.copyOf(b.recordCopies);
    this.recordAllCopies = b.recordAllCopies;
    this.autoreset = b.autoreset;
    this.observations = List.copyOf(b.observations);
    this.clientName = b.clientName;
    this.streaming = b.streaming;
    this.sparseObservations = b.sparseObservations;
  }

  public static SessionOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().autoreset(autoreset).observations(observations).clientName(clientName)
        .streaming(streaming).sparseObservations(sparseObservations).record(recordCopies)
        .recordAllCopies(recordAllCopies).firstCopy(firstCopy);
  }

  /**
   * Global index of this session's copy 0 when it is one shard of an environment spread over
   * several servers (0 otherwise): its copy k seeds its episodes as copy firstCopy + k.
   */
  public int firstCopy() {
    return firstCopy;
  }

  /** The copies the server records (empty: none, unless {@link #recordAllCopies}). */
  public List<Integer> recordCopies() {
    return recordCopies;
  }

  /** Whether the server records every copy. */
  public boolean recordAllCopies() {
    return recordAllCopies;
  }

  /** Whether the server records any copy. */
  public boolean recorded() {
    return recordAllCopies || !recordCopies.isEmpty();
  }

  public Autoreset autoreset() {
    return autoreset;
  }

  public List<String> observations() {
    return observations;
  }

  public String clientName() {
    return clientName;
  }

  public boolean streaming() {
    return streaming;
  }

  public boolean sparseObservations() {
    return sparseObservations;
  }

  @Override
  public String toString() {
    return "SessionOptions{autoreset=" + autoreset + ", observations=" + observations
        + ", clientName=" + clientName + ", streaming=" + streaming
        + ", sparseObservations=" + sparseObservations
        + (recorded() ? ", record=" + (recordAllCopies ? "all" : recordCopies) : "")
        + (firstCopy != 0 ? ", firstCopy=" + firstCopy : "") + "}";
  }

  public static final class Builder {
    private Autoreset autoreset = Autoreset.NEXT_STEP;
    private List<String> observations = List.of();
    private String clientName = "kindred-java";
    private boolean streaming = true;
    private boolean sparseObservations = true;
    private List<Integer> recordCopies = List.of();
    private boolean recordAllCopies;
    private int firstCopy;

    /** See {@link SessionOptions#firstCopy()}; at least 0. */
    public Builder firstCopy(int firstCopy) {
      if (firstCopy < 0) {
        throw new IllegalArgumentException("firstCopy: got " + firstCopy + "; expected at least 0");
      }
      this.firstCopy = firstCopy;
      return this;
    }

    private Builder() {}

    /** Copies for the server to record (replay files); none given: none. */
    public Builder record(int... copies) {
      return record(java.util.Arrays.stream(copies).boxed().toList());
    }

    public Builder record(List<Integer> copies) {
      this.recordCopies = List.copyOf(copies);
      return this;
    }

    /** Whether the server records every copy. */
    public Builder recordAllCopies(boolean all) {
      this.recordAllCopies = all;
      return this;
    }

    public Builder autoreset(Autoreset mode) {
      Objects.requireNonNull(mode, "autoreset");
      this.autoreset = mode;
      return this;
    }

    /** Observations to return; none given: all of them. */
    public Builder observations(String... names) {
      return observations(List.of(names));
    }

    public Builder observations(List<String> names) {
      this.observations = List.copyOf(names);
      return this;
    }

    public Builder clientName(String name) {
      this.clientName = Objects.requireNonNull(name, "clientName");
      return this;
    }

    public Builder sparseObservations(boolean sparseObservations) {
      this.sparseObservations = sparseObservations;
      return this;
    }

    public Builder streaming(boolean streaming) {
      this.streaming = streaming;
      return this;
    }

    public SessionOptions build() {
      return new SessionOptions(this);
    }
  }
}
