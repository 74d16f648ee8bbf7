package dev.kindred.env.energy;

/** Turns to face an absolute direction: argument 0 up, 1 right, 2 down, 3 left. */
final class RotateAction extends EnergyAction {
  RotateAction(int id) {
    super(id, "rotate", "0 up, 1 right, 2 down, 3 left (absolute)", 4);
  }

  @Override
  boolean apply(EnergyState s, int agent, int arg) {
    if (arg > 3) {
      return false;
    }
    s.orient[agent] = arg;
    return true;
  }
}
