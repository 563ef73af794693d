import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A secret the server shows once (an API token, a Temporary Access Pass): announced, focused,
 * selectable and copied with one button. It lives in this component's state only.
 */
export function ShownOnce({ id, label, secret, children }: { id: string; label: string; secret: string; children: ReactNode }) {
  const [copied, setCopied] = useState<'' | 'copied' | 'failed'>('');
  const heading = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    heading.current?.focus();
    setCopied('');
  }, [secret]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('copied');
    } catch {
      // A browser without clipboard access: the field is selectable by hand.
      setCopied('failed');
    }
  }
  return (
    <div className="shown-once" role="region" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`} tabIndex={-1} ref={heading} className="shown-once-title">
        {children}
      </p>
      <div className="shown-once-row">
        <label htmlFor={id}>{label}</label>
        <input id={id} readOnly value={secret} className="secret" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="shown-once-status">
        {copied === 'copied' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Copying is not allowed here: select the text and copy it.' : 'It is shown only now: copy it before you leave this page.'}
      </p>
    </div>
  );
}
