import type { ReactNode } from 'react';
import { useT } from '../stores/context.js';

/**
 * A form's primary button. While the form is busy it is disabled, reads "busy" and says so to
 * assistive technology (aria-busy), so a second press cannot send the form twice.
 */
export function SubmitButton({ busy, disabled = false, children }: { busy: boolean; disabled?: boolean; children: ReactNode }) {
  const t = useT();
  return (
    <button type="submit" className="button button-primary" disabled={busy || disabled} aria-busy={busy || undefined}>
      {busy ? t.app.busy : children}
    </button>
  );
}
