import type { PolicyDocument } from '../../shared/api/policy.js';
import type { AdminContext } from './admin-users.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../store/db.js';
import type { PolicyStore } from '../store/policy-store.js';

interface AdminPolicyDependencies {
  auditLog: AuditLog;
  db: Db;
  policyStore: PolicyStore;
}

interface PolicyChange {
  path: string;
  before: unknown;
  after: unknown;
}

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    // Arrays are one value: "methods went from [a, b] to [a]" reads better than index diffs.
    out.set(prefix, value);
  }
  return out;
}

/** Pure: every leaf that differs between two policy documents, by dotted path. */
export function policyDiff(before: PolicyDocument, after: PolicyDocument): PolicyChange[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const changes: PolicyChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) !== JSON.stringify(y)) changes.push({ path, before: x ?? null, after: y ?? null });
  }
  return changes;
}

/** R25: the one policy document, replaced whole; the audit event and the write commit together. */
export class AdminPolicy {
  constructor(private readonly deps: AdminPolicyDependencies) {}

  async replace(doc: PolicyDocument, ctx: AdminContext): Promise<PolicyDocument> {
    const deps = this.deps;
    deps.policyStore.invalidate();
    const before = await deps.policyStore.get();
    const changes = policyDiff(before, doc);
    await deps.db.transaction().execute(async (trx) => {
      await deps.policyStore.put(trx, doc);
      await deps.auditLog.write(trx, { type: 'admin.policy', user: null, actor: ctx.actor, result: 'success', client: ctx.client, detail: { changes } });
    });
    return deps.policyStore.get();
  }
}
