import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, PolicyDocument } from '../../shared/api/policy.js';
import { gateOrderProblems, gateTypes, hasWayThrough, type GateOrder } from '../../shared/rules/gates.js';

const AUTH = ['authenticatorPush', 'authenticatorCode'] as const;

describe('policy-ordered methods (R35)', () => {
  it('R35: with no lists, any enabled method opens either gate, each type once', () => {
    const order: GateOrder = { methodsRequired: 2, methods: ['email', 'mobilePhone', 'authenticatorCode'] };
    expect(gateTypes(order, 0)).toEqual(['email', 'mobilePhone', 'authenticatorCode']);
    expect(gateTypes(order, 1, ['email'])).toEqual(['mobilePhone', 'authenticatorCode']);
    expect(gateOrderProblems(order)).toEqual([]);
  });

  it('R35: "one gate must be the authenticator": first gate push or code, second anything else', () => {
    const order: GateOrder = { methodsRequired: 2, methods: ['email', ...AUTH], firstGate: [...AUTH], secondGate: ['email', ...AUTH] };
    expect(gateOrderProblems(order)).toEqual([]);
    expect(gateTypes(order, 0)).toEqual([...AUTH]);
    expect(gateTypes(order, 1, ['authenticatorPush'])).toEqual(['email', 'authenticatorCode']);
    expect(hasWayThrough(order, ['email', 'authenticatorCode'], 2)).toBe(true);
    expect(hasWayThrough(order, ['email'], 2)).toBe(false);
  });

  it('R35: a policy that leaves a registered user no way through is refused, naming the case', () => {
    // Two methods outside the first gate: someone holding only those two is stuck.
    const stuck: GateOrder = { methodsRequired: 2, methods: ['email', 'mobilePhone', ...AUTH], firstGate: [...AUTH] };
    expect(gateOrderProblems(stuck)).toEqual(['a user registered with only email and mobilePhone would have no way through the gates']);
    // "Email only as the second gate" with one method required: an email-only user is stuck.
    const emailSecond: GateOrder = { methodsRequired: 1, methods: ['email', 'authenticatorCode'], firstGate: ['authenticatorCode'], secondGate: ['email'] };
    expect(gateOrderProblems(emailSecond)).toEqual(['a user registered with only email would have no way through the gates']);
    // A gate list naming a method the policy does not enable.
    expect(gateOrderProblems({ methodsRequired: 2, methods: ['email', 'mobilePhone'], firstGate: ['authenticatorPush'] })).toEqual([
      'firstGate lists authenticatorPush, which is not an enabled method',
    ]);
    // R10: administrators always pass two gates, never with questions.
    const admins: GateOrder = { methodsRequired: 1, methods: ['email', 'mobilePhone', 'securityQuestions'], secondGate: ['securityQuestions'] };
    expect(gateOrderProblems(admins)).toContain('an administrator registered with only email and mobilePhone would have no way through the gates');
  });

  it('R35: the policy document carries the lists and refuses a stranding order with that message', () => {
    const doc = structuredClone(DEFAULT_POLICY);
    doc.sspr.methodsRequired = 2;
    doc.sspr.methods = ['email', ...AUTH];
    doc.sspr.firstGate = [...AUTH];
    expect(PolicyDocument.safeParse(doc).success).toBe(true);
    doc.sspr.methods = ['email', 'mobilePhone', ...AUTH];
    const r = PolicyDocument.safeParse(doc);
    expect(r.success).toBe(false);
    expect(r.error!.issues).toEqual([expect.objectContaining({ path: ['sspr', 'firstGate'], message: 'a user registered with only email and mobilePhone would have no way through the gates' })]);
  });
});
