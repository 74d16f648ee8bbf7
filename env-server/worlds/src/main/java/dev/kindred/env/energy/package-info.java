/**
 * The energy/kinship world (docs/energy-world.md).
 *
 * <h2>World ids</h2>
 * {@code energy.room} (configurable; defaults: 25x25, 5 agents, 1 altar, 3 converters, 8 green
 * and 7 yellow generators, 10 walls), {@code energy.s1}, {@code energy.s2}, {@code energy.s3}
 * (the benchmark scenarios), {@code energy.alone} (one agent, empty 11x11 room) and
 * {@code energy.altar_only} (4 agents with 1000 energy, one altar). All share one schema
 * ({@link dev.kindred.env.energy.EnergyWorldType#parameters}); they differ in defaults only.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Actions: {@code [action, argument]} per agent, handled by the classes in
 *       {@link dev.kindred.env.energy.ActionTable}: 0 noop, 1 move (0 forward, 1 back),
 *       2 rotate (0 up, 1 right, 2 down, 3 left), 3 use (object in front), 4 attack
 *       (3 * (distance - 1) + lateral + 1 in the 3x3 block ahead), 5 shield (toggle), 6 swap
 *       (with a frozen agent in front), 7 give (0 energy, 1 green, 2 yellow to the agent in
 *       front). Arguments an action does not define make it fail; noop, use, shield and swap ignore
 *       theirs (every value is accepted and equivalent). The action spec lists the 22 canonical
 *       pairs (each defined argument; argument 0 for the actions that ignore it).</li>
 *   <li>Costs: action k costs {@code round(economy[k] * body[k])}. Frozen agents and agents
 *       with less energy than the cost cannot act; failed actions are refunded. Agents act one
 *       after another, by default ({@code agent_order = random}) in a uniformly random order
 *       drawn anew each step from the copy's seeded stream (so no seat always moves first, and
 *       a seed and actions still fix the trajectory), or in index order
 *       ({@code agent_order = index}); then shields drain their upkeep; then rewards are
 *       shared.</li>
 *   <li>Objects ({@link dev.kindred.env.energy.EnergyObject}): generators (green, yellow;
 *       cooldown, yield, depleting stock), converters (crystals to energy), heart altar
 *       (energy to reward). Cooldown C: unusable for the C steps after a use.</li>
 *   <li>Kinship ({@link dev.kindred.env.energy.Kinship}): {@code r'_i = sum_j K[i][j] r_j}.</li>
 *   <li>Economy ({@link dev.kindred.env.energy.Economy}): every cost and yield an integer
 *       range sampled per episode; shown in the globals.</li>
 * </ul>
 *
 * <h2>Observations</h2>
 * {@code grid} UINT8 [17, view, view] (channels in {@link dev.kindred.env.energy.Observer}), or
 * with {@code observation = tokens} {@code tokens} UINT8 [token_budget, 3] in its place: the
 * window's nonzero bytes as (location {@code row << 4 | column}, feature = channel, value)
 * triples, unused slots 255, the farthest cells dropped first beyond the budget and counted by
 * the statistic {@code tokens_dropped} ({@link dev.kindred.env.energy.TokenWriter}),
 * {@code globals} FLOAT32 [44]: 13 own-state features, 23 economy values, 8 body multipliers;
 * {@code action_mask} UINT8 [72] at {@code action * 9 + argument}: the canonical pairs the agent
 * is free to do and can pay for next step (noop alone when there are none), named by the action
 * spec's mask observation.
 *
 * <h2>Maps</h2>
 * {@link dev.kindred.env.energy.RoomBuilder} (counts, border, grid of rooms with doors) or an
 * ASCII map ({@link dev.kindred.env.energy.AsciiMap}: {@code #} wall, {@code .} empty,
 * {@code A} agent, {@code g}/{@code y} generators, {@code c} converter, {@code h} altar).
 *
 * <h2>For renderers</h2>
 * {@link dev.kindred.env.energy.EnergyWorld#view(int)} returns a live read-only
 * {@link dev.kindred.env.energy.EnergyView}; {@link dev.kindred.env.energy.EnergyWorld#render(int)}
 * a text picture.
 */
package dev.kindred.env.energy;
