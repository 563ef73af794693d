import type { MethodType, ResetMethodType } from '../api/common.js';

/**
 * R35: which methods may open the first gate and which the second. An empty or absent list
 * means "any enabled method". Pure, for the policy schema, the server and both clients.
 */
export interface GateOrder {
  methodsRequired: 1 | 2;
  methods: readonly MethodType[];
  firstGate?: readonly MethodType[];
  secondGate?: readonly MethodType[];
  /** R39: a Temporary Access Pass may open any one gate (never two: each type passes once). */
  accessPassGate?: boolean;
}

/** The types gate `index` (0 = first) accepts, among those not used yet. */
export function gateTypes(order: GateOrder, index: number, used: readonly ResetMethodType[] = []): ResetMethodType[] {
  const list = index === 0 ? order.firstGate : order.secondGate;
  const allowed = list && list.length > 0 ? list : order.methods;
  const types: ResetMethodType[] = order.methods.filter((t) => allowed.includes(t) && !used.includes(t));
  return order.accessPassGate && !used.includes('accessPass') ? [...types, 'accessPass'] : types;
}

/** Whether `held` types, after `used` opened the first gates, get through the rest (each type once). */
function canFinish(order: GateOrder, held: readonly ResetMethodType[], gates: number, used: readonly ResetMethodType[]): boolean {
  return used.length >= gates || gateTypes(order, used.length, used).some((t) => held.includes(t) && canFinish(order, held, gates, [...used, t]));
}

/** Whether `held` types get through `gates` gates in some order (each type once). */
export function hasWayThrough(order: GateOrder, held: readonly ResetMethodType[], gates: number): boolean {
  return canFinish(order, held, gates, []);
}

/**
 * What a reset session offers for its next gate: the held types that gate allows and after
 * which the remaining gates can still be passed, so nobody is led into a dead end.
 */
export function openableTypes(order: GateOrder, held: readonly ResetMethodType[], gates: number, used: readonly ResetMethodType[]): ResetMethodType[] {
  if (used.length >= gates) return [];
  return gateTypes(order, used.length, used).filter((t) => held.includes(t) && canFinish(order, held, gates, [...used, t]));
}

function combinations<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((x, i) => combinations(items.slice(i + 1), size - 1).map((rest) => [x, ...rest]));
}

/**
 * Every problem with the order, each naming the case: a gate list with a method the policy
 * does not enable, or the fewest methods a registered user may hold (R4) that would not get
 * through. Administrators always pass two gates without security questions (R10), so their
 * pairs are checked whatever `methodsRequired` says.
 */
export function gateOrderProblems(order: GateOrder): string[] {
  const problems: string[] = [];
  for (const [name, list] of [['firstGate', order.firstGate], ['secondGate', order.secondGate]] as const) {
    for (const t of list ?? []) if (!order.methods.includes(t)) problems.push(`${name} lists ${t}, which is not an enabled method`);
  }
  if (problems.length > 0) return problems;
  if (order.methodsRequired === 2 && order.firstGate?.length && order.secondGate?.length) {
    // Two non-empty lists whose union is one method cannot be passed with two different methods.
    const union = new Set([...order.firstGate, ...order.secondGate]);
    if (union.size < 2) problems.push('the two gates need at least two different methods between them');
  }
  const cases: Array<{ held: MethodType[]; gates: number; who: string }> = [
    ...combinations(order.methods, order.methodsRequired).map((held) => ({ held, gates: order.methodsRequired, who: 'a user' })),
    ...(order.methodsRequired === 1
      ? combinations(order.methods.filter((t) => t !== 'securityQuestions'), 2).map((held) => ({ held, gates: 2, who: 'an administrator' }))
      : []),
  ];
  // A user holds no pass unless an administrator issued one: the order must work without it.
  const withoutPass = { ...order, accessPassGate: false };
  for (const c of cases) {
    if (!hasWayThrough(withoutPass, c.held, c.gates)) problems.push(`${c.who} registered with only ${c.held.join(' and ')} would have no way through the gates`);
  }
  return problems;
}
