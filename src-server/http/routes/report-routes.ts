import { Readable } from 'node:stream';
import type { ReportQuery } from '../../../shared/api/audit.js';
import type { Clock } from '../../clock.js';
import type { CoverageTracker } from '../../reports/coverage.js';
import { csvFileName } from '../../reports/csv.js';
import { REPORT_CATEGORY, reportCsv, reportPage, reportQueryProblem, type ReportName } from '../../reports/reports.js';
import { defaultSummaryRange, type ActivitySummary } from '../../reports/summary.js';
import type { Store } from '../../store/db.js';
import { apiRoutes } from '../api-router.js';
import { REPLY_SENT, type ApiRequest, type RoutePlugin } from '../context.js';
import { ProblemError } from '../../errors.js';

type ReportRoute = 'activityReport' | 'registrationReport' | 'adminAudit';

/** Hostile or mistyped filters answer 400 with what would have worked. */
function checkQuery(q: ReportQuery): void {
  const problem = reportQueryProblem(q);
  if (problem) throw new ProblemError('invalid_request', `query.${problem.field}: ${problem.message}`);
}

/** R17b: the activity, registration and admin reports (JSON pages or a CSV download) and the dashboard summary. */
export function reportRoutes({ store, clock, activitySummary: summaries, coverage }: { store: Store; clock: Clock; activitySummary: ActivitySummary; coverage: CoverageTracker }): RoutePlugin {
  const report = (name: ReportName) => async (req: ApiRequest<ReportRoute>) => {
    const q = req.query;
    checkQuery(q);
    const category = REPORT_CATEGORY[name];
    if (q.format === 'json') return reportPage(store, category, q);
    const file = csvFileName(name, clock.now());
    req.reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}"`)
      .send(Readable.from(reportCsv(store, category, q)));
    return REPLY_SENT;
  };
  return apiRoutes({
    activityReport: report('activity'),
    registrationReport: report('registration'),
    adminAudit: report('audit'),
    async reportSummary(req) {
      const range = defaultSummaryRange(clock.now(), req.query);
      if (range.from.getTime() > range.to.getTime()) throw new ProblemError('invalid_request', 'query.from: must not be after query.to');
      const [events, registration] = await Promise.all([
        summaries.summary(range),
        coverage.current(),
      ]);
      return { ...events, registration: registration && { inScope: registration.inScope, registered: registration.registered, coverage: registration.coverage } };
    },
  });
}
