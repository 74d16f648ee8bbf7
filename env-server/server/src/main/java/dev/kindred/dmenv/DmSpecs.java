package dev.kindred.dmenv;

import dev.kindred.dmenv.proto.ActionObservationSpecs;
import dev.kindred.dmenv.proto.DataType;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.ActionDimension;
import dev.kindred.env.DType;
import dev.kindred.env.EnvException;
import dev.kindred.env.Scope;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.WorldSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The dm_env_rpc view of one Kindred world (one copy): its action and observation specs keyed
 * by uid, the decoding of a StepRequest's actions and the packing of a StepResponse's
 * observations. See {@link DmEnvRpcService} for the mapping.
 */
final class DmSpecs {
  static final String REWARD = "reward";
  static final String DISCOUNT = "discount";
  /** Prefix of a world observation whose own name is "reward" or "discount". */
  static final String RENAMED_PREFIX = "world_";

  private static final int SOURCE_REWARD = -1;
  private static final int SOURCE_DISCOUNT = -2;

  /** One observation: its uid, name, where its data comes from, and its wire shape. */
  record Obs(long uid, String name, int source, DType dtype, int[] shape, int elements, long maxBytes) {}

  private final WorldSpec world;
  private final int agents;
  private final List<ActionDimension> dims;
  private final List<Obs> observations;
  private final ActionObservationSpecs proto;

  DmSpecs(WorldSpec world) {
    this.world = world;
    this.agents = world.numAgents();
    this.dims = agents == 0 ? List.of() : world.actions().dimensions();
    ActionObservationSpecs.Builder b = ActionObservationSpecs.newBuilder();
    for (int d = 0; d < dims.size(); d++) {
      ActionDimension dim = dims.get(d);
      b.putActions(d + 1L, DmTensors.spec(dim.name(), DataType.INT32, new int[] {agents}, 0.0,
          (double) (dim.numValues() - 1)));
    }
    List<Obs> obs = new ArrayList<>();
    List<TensorSpec> all = world.observations();
    for (int i = 0; i < all.size(); i++) {
      TensorSpec t = all.get(i);
      String name = t.name().equals(REWARD) || t.name().equals(DISCOUNT) ? RENAMED_PREFIX + t.name() : t.name();
      int[] shape = t.scope() == Scope.AGENT ? prepend(agents, t.shape()) : t.shape().clone();
      obs.add(new Obs(i + 1L, name, i, t.dtype(), shape, elements(shape), maxBytes(t.dtype(), shape)));
      b.putObservations(i + 1L, DmTensors.spec(name, DmTensors.dataType(t.dtype()), shape, t.low(), t.high()));
    }
    long rewardUid = all.size() + 1L;
    int[] rewardShape = {agents};
    obs.add(new Obs(rewardUid, REWARD, SOURCE_REWARD, DType.FLOAT32, rewardShape, agents,
        maxBytes(DType.FLOAT32, rewardShape)));
    b.putObservations(rewardUid, DmTensors.spec(REWARD, DataType.FLOAT, rewardShape, world.reward().low(),
        world.reward().high()));
    long discountUid = all.size() + 2L;
    obs.add(new Obs(discountUid, DISCOUNT, SOURCE_DISCOUNT, DType.FLOAT32, new int[0], 1,
        maxBytes(DType.FLOAT32, new int[0])));
    b.putObservations(discountUid, DmTensors.spec(DISCOUNT, DataType.FLOAT, new int[0], 0.0, 1.0));
    this.observations = List.copyOf(obs);
    this.proto = b.build();
  }

  private static int[] prepend(int first, int[] rest) {
    int[] out = new int[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  private static int elements(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Upper bound of one observation's encoded size in a StepResponse (map entry included). */
  private static long maxBytes(DType dtype, int[] shape) {
    long perElement = switch (dtype) {
      case INT8, UINT8 -> 1;
      case FLOAT32 -> 4;
      case FLOAT64 -> 8;
      case INT32, INT64 -> 10; // varints; negative ones take ten bytes
    };
    return elements(shape) * perElement + 11L * shape.length + 48;
  }

  ActionObservationSpecs proto() {
    return proto;
  }

  WorldSpec world() {
    return world;
  }

  List<Obs> observations() {
    return observations;
  }

  /** Whether another world's specs are the same on the wire (a joined agent can keep them). */
  boolean sameAs(DmSpecs other) {
    return proto.equals(other.proto);
  }

  /**
   * The observations a StepRequest asks for, each once, in request order.
   *
   * @throws EnvException INVALID_ARGUMENT naming the first unknown uid
   */
  List<Obs> requested(List<Long> uids) {
    Map<Long, Obs> out = new LinkedHashMap<>();
    for (long uid : uids) {
      if (uid < 1 || uid > observations.size()) {
        throw EnvException.invalid("requested_observations", "unknown observation uid "
            + Long.toUnsignedString(uid) + "; this world's observation uids are 1.." + observations.size()
            + " (see the specs of JoinWorld/Reset)");
      }
      out.putIfAbsent(uid, observations.get((int) uid - 1));
    }
    return List.copyOf(out.values());
  }

  /**
   * Refuses, before anything changes, a Step whose response could exceed the message limit.
   *
   * @throws EnvException RESOURCE_EXHAUSTED
   */
  static void checkResponseBytes(List<Obs> requested, long maxResponseBytes) {
    long bound = maxResponseBytes(requested);
    if (bound > maxResponseBytes) {
      throw EnvException.exhausted("requested_observations: a StepResponse with these " + requested.size()
          + " observations can reach " + bound + " bytes, more than this server's message limit of "
          + maxResponseBytes + " bytes; request fewer observations per step, or restart the server with a "
          + "larger --max-message-mb");
    }
  }

  /** Upper bound of a StepResponse carrying {@code obs}. */
  static long maxResponseBytes(List<Obs> obs) {
    long n = 32;
    for (Obs o : obs) {
      n += o.maxBytes();
    }
    return n;
  }

  /**
   * Decodes a running step's actions into Kindred's {@code [agents * dims]} layout. Every
   * action is required: each is checked for a known uid, the exact dtype (INT32), a shape
   * equal to {@code [agents]} (after dm_env_rpc's variable-dimension and broadcast rules) and
   * values in range; nothing is applied unless all pass.
   */
  int[] decodeActions(Map<Long, Tensor> actions) {
    int[] out = new int[agents * dims.size()];
    boolean[] seen = new boolean[dims.size()];
    for (Map.Entry<Long, Tensor> e : actions.entrySet()) {
      long uid = e.getKey();
      if (uid < 1 || uid > dims.size()) {
        throw EnvException.invalid("actions", "unknown action uid " + Long.toUnsignedString(uid) + "; "
            + (dims.isEmpty() ? "this world takes no actions (it has no controlled agents)"
                : "this world's action uids are " + actionUids()));
      }
      int d = (int) uid - 1;
      ActionDimension dim = dims.get(d);
      String what = "actions." + dim.name() + " (uid " + uid + ")";
      Tensor t = e.getValue();
      DataType got = DmTensors.dataType(t);
      if (got != DataType.INT32) {
        throw EnvException.invalid(what, "has dtype " + got + "; expected INT32 (the int32s payload)");
      }
      int[] shape = DmTensors.resolveShape(t, what);
      if (!Arrays.equals(shape, new int[] {agents})) {
        throw EnvException.invalid(what, "has shape " + DmTensors.describe(shape) + "; expected [" + agents
            + "]: one value per controlled agent (" + agentList() + ")");
      }
      List<Integer> values = t.getInt32S().getArrayList();
      boolean broadcast = values.size() == 1;
      for (int a = 0; a < agents; a++) {
        int v = values.get(broadcast ? 0 : a);
        if (v < 0 || v >= dim.numValues()) {
          throw EnvException.invalid(what, "agent " + a + " ('" + world.agentNames().get(a) + "') has value " + v
              + "; expected 0 <= value <= " + (dim.numValues() - 1) + valueNames(dim));
        }
        out[a * dims.size() + d] = v;
      }
      seen[d] = true;
    }
    for (int d = 0; d < dims.size(); d++) {
      if (!seen[d]) {
        throw EnvException.invalid("actions", "missing action '" + dims.get(d).name() + "' (uid " + (d + 1)
            + "): every step of a running sequence needs each action, one value per controlled agent ("
            + agentList() + ")");
      }
    }
    return out;
  }

  private String actionUids() {
    List<String> s = new ArrayList<>();
    for (int d = 0; d < dims.size(); d++) {
      s.add((d + 1) + " = " + dims.get(d).name());
    }
    return String.join(", ", s);
  }

  private String agentList() {
    List<String> names = world.agentNames();
    return names.size() <= 8 ? agents + " agent(s): " + String.join(", ", names)
        : agents + " agents: " + String.join(", ", names.subList(0, 8)) + ", ...";
  }

  private static String valueNames(ActionDimension dim) {
    if (dim.valueNames().isEmpty()) {
      return "";
    }
    List<String> s = new ArrayList<>();
    for (int i = 0; i < dim.valueNames().size(); i++) {
      s.add(i + " = " + dim.valueNames().get(i));
    }
    return " (" + String.join(", ", s) + ")";
  }

  /**
   * Packs the requested observations from the environment's last results.
   *
   * @param batchIndex for each world observation (spec order), its index in {@code batch}
   */
  Map<Long, Tensor> pack(List<Obs> requested, StepBatch batch, int[] batchIndex, float discount) {
    return pack(requested, i -> batch.observation(batchIndex[i]), batch.rewards(), discount);
  }

  /**
   * Packs the requested observations.
   *
   * @param observation the little-endian data of the world's observation i (spec order): for a
   *                    per-agent one, this view's agents' rows only
   * @param rewards     this view's agents' rewards
   */
  Map<Long, Tensor> pack(List<Obs> requested, IntFunction<ByteBuffer> observation, float[] rewards,
      float discount) {
    Map<Long, Tensor> out = new LinkedHashMap<>();
    for (Obs o : requested) {
      Tensor t;
      if (o.source() == SOURCE_REWARD) {
        t = DmTensors.floats(rewards, 0, agents, o.shape());
      } else if (o.source() == SOURCE_DISCOUNT) {
        t = DmTensors.floats(new float[] {discount}, 0, 1, o.shape());
      } else {
        t = DmTensors.pack(o.dtype(), observation.apply(o.source()), 0, o.elements(), o.shape());
      }
      out.put(o.uid(), t);
    }
    return out;
  }
}
