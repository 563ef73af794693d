import { Icon } from './Icon.js';
import type { ReactNode } from 'react';

/** An error (assertive) or a status (polite) announced by screen readers as it appears. */
export function Alert({ kind = 'error', children, id }: { kind?: 'error' | 'success' | 'info' | 'warning'; children: ReactNode; id?: string }) {
  return (
    <div id={id} className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <span className="alert-icon">
        <Icon name={kind === 'success' ? 'check' : kind === 'info' ? 'question' : 'warning'} />
      </span>
      <div className="alert-body">{children}</div>
    </div>
  );
}
