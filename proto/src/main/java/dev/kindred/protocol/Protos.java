package dev.kindred.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.Value;
import dev.kindred.env.ActionDimension;
import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Config;
import dev.kindred.env.DType;
import dev.kindred.env.EnvException;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.FeatureSpec;
import dev.kindred.env.Parameter;
import dev.kindred.env.Scope;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StatSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import dev.kindred.env.WorldType;
import dev.kindred.proto.v1.ActionCombination;
import dev.kindred.proto.v1.ActionSpec;
import dev.kindred.proto.v1.AgentEpisodeStats;
import dev.kindred.proto.v1.AutoresetMode;
import dev.kindred.proto.v1.EnvSpec;
import dev.kindred.proto.v1.EpisodeSpec;
import dev.kindred.proto.v1.EpisodeStats;
import dev.kindred.proto.v1.ParameterSpec;
import dev.kindred.proto.v1.ParameterType;
import dev.kindred.proto.v1.RewardSpec;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.proto.v1.Tensor;
import dev.kindred.proto.v1.TensorEncoding;
import dev.kindred.proto.v1.WorldInfo;
import dev.kindred.protocol.SparseBytes;
import dev.kindred.protocol.Structs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Conversions between the engine-neutral core ({@code dev.kindred.env}) and the kindred.v1
 * protocol messages. The one place that knows both; used by the server and by the in-process
 * {@code LocalVectorEnv}, so a spec looks the same whichever path a client takes.
 */
public final class Protos {
  private Protos() {}

  // ---- configuration ----------------------------------------------------------------------

  /** A Struct as plain Java values (Boolean, Double, String, List, Map, null). */
  public static Map<String, Object> toPlain(Struct struct) {
    return Structs.toPlain(struct);
  }

  /** Plain Java values (as produced by {@link Config#toPlain()}) as a Struct. */
  public static Struct toStruct(Map<String, ?> plain) {
    return Structs.toStruct(plain);
  }

  public static Value toValue(Object v) {
    return Structs.toValue("value", v);
  }

  // ---- worlds and specs -------------------------------------------------------------------

  /**
   * A world type as ListWorlds summarises it: id, title and the description's first paragraph
   * (up to its first blank line, at most 400 characters).
   */
  public static WorldInfo worldSummary(WorldType type) {
    String d = type.description();
    int end = d.indexOf("\n\n");
    String first = end < 0 ? d : d.substring(0, end);
    if (first.length() > 400) {
      int cut = first.lastIndexOf(". ", 399);
      first = cut > 0 ? first.substring(0, cut + 1) : first.substring(0, 399) + "…";
    }
    return WorldInfo.newBuilder().setId(type.id()).setTitle(type.title()).setDescription(first).build();
  }

  /** A world type as ListWorlds describes it. */
  public static WorldInfo worldInfo(WorldType type) {
    WorldInfo.Builder b = WorldInfo.newBuilder()
        .setId(type.id())
        .setTitle(type.title())
        .setDescription(type.description())
        .setDefaultConfig(toStruct(type.schema().defaults().toPlain()));
    for (Parameter p : type.schema().parameters()) {
      ParameterSpec.Builder pb = ParameterSpec.newBuilder()
          .setName(p.name())
          .setDescription(p.description())
          .setType(ParameterType.valueOf("PARAMETER_TYPE_" + p.type().name()))
          .setDefaultValue(toValue(p.defaultValue()))
          .addAllChoices(p.choices());
      if (p.min() != null) {
        pb.setMin(p.min());
      }
      if (p.max() != null) {
        pb.setMax(p.max());
      }
      b.addParameters(pb);
    }
    return b.build();
  }

  public static dev.kindred.proto.v1.DType dtype(DType d) {
    return dev.kindred.proto.v1.DType.valueOf("DTYPE_" + d.name());
  }

  public static dev.kindred.proto.v1.Scope scope(Scope s) {
    return dev.kindred.proto.v1.Scope.valueOf("SCOPE_" + s.name());
  }

  public static AutoresetMode autoresetMode(Autoreset a) {
    return AutoresetMode.valueOf("AUTORESET_" + a.name());
  }

  /** The protocol's autoreset mode as the core's; UNSPECIFIED means NEXT_STEP. */
  public static Autoreset autoreset(AutoresetMode mode) {
    return switch (mode) {
      case AUTORESET_MODE_UNSPECIFIED, AUTORESET_NEXT_STEP -> Autoreset.NEXT_STEP;
      case AUTORESET_SAME_STEP -> Autoreset.SAME_STEP;
      case AUTORESET_DISABLED -> Autoreset.DISABLED;
      case UNRECOGNIZED -> throw EnvException.invalid("autoreset",
          "unknown autoreset mode; expected AUTORESET_NEXT_STEP, AUTORESET_SAME_STEP or AUTORESET_DISABLED");
    };
  }

  public static dev.kindred.proto.v1.TensorSpec tensorSpec(TensorSpec t) {
    dev.kindred.proto.v1.TensorSpec.Builder b = dev.kindred.proto.v1.TensorSpec.newBuilder()
        .setName(t.name())
        .setDescription(t.description())
        .setDtype(dtype(t.dtype()))
        .setScope(scope(t.scope()));
    for (int d : t.shape()) {
      b.addShape(d);
    }
    if (t.low() != null) {
      b.setLow(t.low());
    }
    if (t.high() != null) {
      b.setHigh(t.high());
    }
    for (FeatureSpec f : t.features()) {
      dev.kindred.proto.v1.FeatureSpec.Builder fb = dev.kindred.proto.v1.FeatureSpec.newBuilder()
          .setName(f.name()).setDescription(f.description()).setIndex(f.index()).setScale(f.scale());
      if (f.low() != null) {
        fb.setLow(f.low());
      }
      if (f.high() != null) {
        fb.setHigh(f.high());
      }
      b.addFeatures(fb);
    }
    return b.build();
  }

  /** A session's spec as the wire's {@code EnvSpec}. */
  public static EnvSpec envSpec(SessionSpec session) {
    WorldSpec w = session.world();
    EnvSpec.Builder b = EnvSpec.newBuilder()
        .setWorldId(w.worldId())
        .setNumCopies(session.copies())
        .setNumAgents(w.numAgents())
        .addAllAgentNames(w.agentNames())
        .setConfig(toStruct(session.config()))
        .putAllProperties(w.properties());
    for (TensorSpec t : w.observations()) {
      b.addObservations(tensorSpec(t));
    }
    ActionSpec.Builder ab = ActionSpec.newBuilder().setDescription(w.actions().description());
    for (ActionDimension d : w.actions().dimensions()) {
      ab.addDimensions(dev.kindred.proto.v1.ActionDimension.newBuilder()
          .setName(d.name()).setDescription(d.description()).setNumValues(d.numValues())
          .addAllValueNames(d.valueNames()));
    }
    for (List<Integer> c : w.actions().validCombinations()) {
      ab.addValidCombinations(ActionCombination.newBuilder().addAllValues(c));
    }
    ab.setActionMaskObservation(w.actions().maskObservation());
    b.setActions(ab);
    RewardSpec.Builder rb = RewardSpec.newBuilder().setDescription(w.reward().description());
    if (w.reward().low() != null) {
      rb.setLow(w.reward().low());
    }
    if (w.reward().high() != null) {
      rb.setHigh(w.reward().high());
    }
    b.setReward(rb);
    b.setEpisode(EpisodeSpec.newBuilder()
        .setMaxSteps(w.maxEpisodeSteps())
        .setCanTerminate(w.canTerminate())
        .setAutoreset(autoresetMode(session.autoreset()))
        .setDescription(w.episodeDescription()));
    for (StatSpec s : w.episodeStats()) {
      b.addEpisodeStats(dev.kindred.proto.v1.StatSpec.newBuilder()
          .setName(s.name()).setDescription(s.description()).setScope(scope(s.scope())));
    }
    return b.build();
  }

  /** The wire's {@code EnvSpec} as a session's spec: the inverse of {@link #envSpec(SessionSpec)}. */
  public static SessionSpec sessionSpec(EnvSpec e) {
    List<TensorSpec> observations = new ArrayList<>();
    for (dev.kindred.proto.v1.TensorSpec t : e.getObservationsList()) {
      observations.add(tensorSpec(t));
    }
    List<ActionDimension> dims = new ArrayList<>();
    for (dev.kindred.proto.v1.ActionDimension d : e.getActions().getDimensionsList()) {
      dims.add(new ActionDimension(d.getName(), d.getDescription(), d.getNumValues(), d.getValueNamesList()));
    }
    List<List<Integer>> combinations = new ArrayList<>();
    for (ActionCombination c : e.getActions().getValidCombinationsList()) {
      combinations.add(c.getValuesList());
    }
    RewardSpec r = e.getReward();
    List<StatSpec> stats = new ArrayList<>();
    for (dev.kindred.proto.v1.StatSpec s : e.getEpisodeStatsList()) {
      stats.add(new StatSpec(s.getName(), s.getDescription(), scope(s.getScope())));
    }
    // num_agents is authoritative; agent names are optional on the wire.
    List<String> agentNames = e.getAgentNamesCount() == e.getNumAgents() ? e.getAgentNamesList()
        : java.util.stream.IntStream.range(0, e.getNumAgents()).mapToObj(i -> "agent_" + i).toList();
    WorldSpec world = new WorldSpec(e.getWorldId(), agentNames, observations,
        new dev.kindred.env.ActionSpec(dims, e.getActions().getDescription(), combinations,
            e.getActions().getActionMaskObservation()),
        new dev.kindred.env.RewardSpec(r.getDescription(), r.hasLow() ? r.getLow() : null,
            r.hasHigh() ? r.getHigh() : null),
        e.getEpisode().getMaxSteps(), e.getEpisode().getCanTerminate(), e.getEpisode().getDescription(),
        stats, e.getPropertiesMap());
    return new SessionSpec(world, e.getNumCopies(), autoreset(e.getEpisode().getAutoreset()),
        toPlain(e.getConfig()));
  }

  /** A wire tensor spec as the core's. */
  public static TensorSpec tensorSpec(dev.kindred.proto.v1.TensorSpec t) {
    int[] shape = t.getShapeList().stream().mapToInt(Long::intValue).toArray();
    List<FeatureSpec> features = new ArrayList<>();
    for (dev.kindred.proto.v1.FeatureSpec f : t.getFeaturesList()) {
      features.add(new FeatureSpec(f.getName(), f.getDescription(), f.getIndex(), f.getScale(),
          f.hasLow() ? f.getLow() : null, f.hasHigh() ? f.getHigh() : null));
    }
    return new TensorSpec(t.getName(), t.getDescription(), dtype(t.getDtype()), shape, scope(t.getScope()),
        t.hasLow() ? t.getLow() : null, t.hasHigh() ? t.getHigh() : null, features);
  }

  public static DType dtype(dev.kindred.proto.v1.DType d) {
    return DType.valueOf(d.name().substring("DTYPE_".length()));
  }

  public static Scope scope(dev.kindred.proto.v1.Scope s) {
    return Scope.valueOf(s.name().substring("SCOPE_".length()));
  }

  // ---- step results -----------------------------------------------------------------------

  /** The batch as a StepResponse with raw observation tensors. */
  public static StepResponse stepResponse(BatchedEnv env, StepBatch batch) {
    return stepResponse(env, batch, false, null);
  }

  /**
   * The batch as a StepResponse (copies the buffers: the batch may be overwritten after).
   *
   * @param sparse whether observation tensors may use TENSOR_ENCODING_SPARSE_BYTES (each is sent
   *               in whichever encoding is smaller)
   * @param pool   threads that share the sparse encoding of large tensors (null: this thread)
   */
  public static StepResponse stepResponse(BatchedEnv env, StepBatch batch, boolean sparse, ForkJoinPool pool) {
    return stepResponse(env, batch, sparse, pool, null);
  }

  /**
   * What a session reuses from one StepResponse to the next: its sparse encodings' arrays. A
   * response built with them shares their bytes and the batch's, without copies: it is valid
   * only until the batch is written again or the next response is built with the same buffers,
   * so it must be serialized (sent) before either, e.g. under the session's lock.
   */
  public static final class ResponseBuffers {
    private final SparseBytes.Output[] observations;
    private final SparseBytes.Output[] finalObservations;

    public ResponseBuffers(int observationCount) {
      observations = new SparseBytes.Output[observationCount];
      finalObservations = new SparseBytes.Output[observationCount];
      for (int i = 0; i < observationCount; i++) {
        observations[i] = new SparseBytes.Output();
        finalObservations[i] = new SparseBytes.Output();
      }
    }
  }

  /**
   * As {@link #stepResponse(BatchedEnv, StepBatch, boolean, ForkJoinPool)}; with {@code shared}
   * (non-null) the observation tensors are not copied: raw ones wrap the batch's buffers and sparse
   * ones {@code shared}'s arrays, and the response is valid only as {@link ResponseBuffers} says.
   */
  public static StepResponse stepResponse(BatchedEnv env, StepBatch batch, boolean sparse, ForkJoinPool pool,
      ResponseBuffers shared) {
    int copies = env.copies();
    int agents = env.spec().numAgents();
    StepResponse.Builder b = StepResponse.newBuilder();
    List<TensorSpec> specs = env.observations();
    for (int i = 0; i < specs.size(); i++) {
      b.addObservations(tensor(specs.get(i), copies, agents, batch.observation(i), sparse, pool,
          shared == null ? null : shared.observations[i], env, i));
    }
    if (batch.hasFinalObservations()) {
      for (int i = 0; i < specs.size(); i++) {
        b.addFinalObservations(tensor(specs.get(i), copies, agents, batch.finalObservation(i), sparse, pool,
            shared == null ? null : shared.finalObservations[i], null, -1));
      }
    }
    ByteBuffer rewards = ByteBuffer.allocate(batch.rewards().length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    rewards.asFloatBuffer().put(batch.rewards());
    b.setRewards(UnsafeByteOperations.unsafeWrap(rewards.array()));
    b.setTerminated(ByteString.copyFrom(batch.terminated()));
    b.setTruncated(ByteString.copyFrom(batch.truncated()));
    b.setActionSuccess(ByteString.copyFrom(batch.actionSuccess()));
    b.setResetMask(ByteString.copyFrom(batch.resetMask()));
    for (EpisodeSummary e : batch.episodes()) {
      b.addEpisodes(episodeStats(e));
    }
    b.setSessionStep(batch.sessionStep());
    return b.build();
  }

  /**
   * One observation tensor. Sparse (when allowed) if smaller than raw: from the world's own list of
   * nonzero bytes when {@code env} has one for observation {@code index} ({@link BatchedEnv#nonzeros};
   * no scan), else from a scan of the tensor.
   */
  private static Tensor tensor(TensorSpec spec, int copies, int agents, ByteBuffer data, boolean sparse,
      ForkJoinPool pool, SparseBytes.Output shared, BatchedEnv env, int index) {
    Tensor.Builder t = Tensor.newBuilder().setName(spec.name()).setDtype(dtype(spec.dtype())).addShape(copies);
    if (spec.scope() == Scope.AGENT) {
      t.addShape(agents);
    }
    for (int d : spec.shape()) {
      t.addShape(d);
    }
    byte[] raw = data.array();
    int offset = data.arrayOffset();
    int length = data.capacity();
    if (sparse && env != null) {
      SparseBytes.Output listed = shared != null ? shared : new SparseBytes.Output();
      listed.clear();
      if (env.nonzeros(index, listed)) {
        if ((long) listed.count() * SparseBytes.BYTES_PER_ENTRY >= length) {
          return t.setData(shared != null ? UnsafeByteOperations.unsafeWrap(raw, offset, length)
              : ByteString.copyFrom(raw, offset, length)).build();
        }
        return t.setEncoding(TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES)
            .setSparseOffsets(UnsafeByteOperations.unsafeWrap(listed.offsets(), 0, 4 * listed.count()))
            .setData(UnsafeByteOperations.unsafeWrap(listed.values(), 0, listed.count()))
            .build();
      }
    }
    if (shared != null) {
      if (sparse && SparseBytes.encodeIfSmaller(raw, offset, length, shared, pool)) {
        return t.setEncoding(TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES)
            .setSparseOffsets(UnsafeByteOperations.unsafeWrap(shared.offsets(), 0, 4 * shared.count()))
            .setData(UnsafeByteOperations.unsafeWrap(shared.values(), 0, shared.count()))
            .build();
      }
      return t.setData(UnsafeByteOperations.unsafeWrap(raw, offset, length)).build();
    }
    SparseBytes.Encoded e = sparse ? SparseBytes.encodeIfSmaller(raw, offset, length, pool) : null;
    if (e != null) {
      return t.setEncoding(TensorEncoding.TENSOR_ENCODING_SPARSE_BYTES)
          .setSparseOffsets(UnsafeByteOperations.unsafeWrap(e.offsets()))
          .setData(UnsafeByteOperations.unsafeWrap(e.values()))
          .build();
    }
    return t.setData(ByteString.copyFrom(raw, offset, length)).build();
  }

  public static EpisodeStats episodeStats(EpisodeSummary e) {
    EpisodeStats.Builder b = EpisodeStats.newBuilder()
        .setCopy(e.copy())
        .setEpisode(e.episode())
        .setLength(e.length())
        .setTerminated(e.terminated())
        .setTruncated(e.truncated())
        .putAllStats(e.stats());
    for (int a = 0; a < e.returns().length; a++) {
      b.addAgents(AgentEpisodeStats.newBuilder()
          .setEpisodeReturn(e.returns()[a])
          .putAllStats(e.agentStats().get(a)));
    }
    return b.build();
  }
}
