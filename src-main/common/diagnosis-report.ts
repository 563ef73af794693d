/**
 * The diagnosis as plain text for the helpdesk ("Copy report"). Built only from the checks'
 * words and facts and the app's identity: no token, password or code is ever handed to it.
 */
import type { DiagnosisCheck } from '../../shared/ipc/contract.js';
import type { DiagnosisText } from './diagnosis-text.js';

export interface ReportApp {
  name: string;
  version: string;
  platform: string;
  /** Sent as `X-SSPR-Client` (R17a): lets the helpdesk find this computer's calls in the audit. */
  instanceId: string;
}

export function diagnosisReport(d: { app: ReportApp; mode: string; checkedAt: string; overall: 'ok' | 'warn' | 'fail'; checks: DiagnosisCheck[] }, text: DiagnosisText): string {
  const lines = [
    text.reportTitle,
    `${text.checkedAt}: ${d.checkedAt}`,
    `${text.app}: ${d.app.name} ${d.app.version} (${d.app.platform}, ${d.mode}, client ${d.app.instanceId})`,
    `${text.overall}: ${text.verdicts[d.overall]}`,
    '',
  ];
  for (const c of d.checks) {
    lines.push(`[${text.verdicts[c.verdict]}] ${c.title}`, `  ${c.explanation}`);
    if (c.action) lines.push(`  ${text.whatToDo}: ${c.action}`);
    const facts = Object.entries(c.facts).filter(([, v]) => v !== '');
    if (facts.length > 0) lines.push(`  (${facts.map(([k, v]) => `${k}=${v}`).join('; ')})`);
  }
  return `${lines.join('\n')}\n`;
}
