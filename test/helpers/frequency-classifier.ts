/**
 * A simple classifier an attacker could train: per-feature frequency tables (naive Bayes with
 * add-one smoothing). Used to show that identify answers do not tell real users from unknown
 * names (R13b): trained on half the answers, it must not beat chance on the other half.
 */
export type Sample = { features: string[]; real: boolean };

export function trainAndTest(train: Sample[], test: Sample[]): { accuracy: number } {
  const tables = { true: new Map<string, number>(), false: new Map<string, number>() };
  const totals = { true: 0, false: 0 };
  const vocabulary = new Set<string>();
  for (const s of train) {
    const key = String(s.real) as 'true' | 'false';
    totals[key]++;
    for (const f of new Set(s.features)) {
      tables[key].set(f, (tables[key].get(f) ?? 0) + 1);
      vocabulary.add(f);
    }
  }
  const logOdds = (features: string[]) => {
    let score = Math.log((totals.true + 1) / (totals.false + 1));
    for (const f of new Set(features)) {
      score += Math.log(((tables.true.get(f) ?? 0) + 1) / (totals.true + 2)) - Math.log(((tables.false.get(f) ?? 0) + 1) / (totals.false + 2));
    }
    return score;
  };
  const right = test.filter((s) => logOdds(s.features) > 0 === s.real).length;
  return { accuracy: right / test.length };
}
