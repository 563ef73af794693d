import { useEffect, useRef, useState } from 'react';
import { ApiFailure, type AdminApi } from './api.js';

/** Activity drives the charts and the table: checked four times a second (one indexed row). */
const ACTIVITY_POLL_MS = 250;
/** Registrations and admin actions move coverage and the audit: checked every few seconds. */
const OTHER_POLL_EVERY = 20;

/**
 * A string that changes whenever a new event is committed: the newest event id of each
 * report (one indexed row each). Views refetch when it changes, so the heavy queries run
 * only when there is something new to show. Paused while the tab is hidden.
 */
export function useLiveVersion(api: AdminApi, onUnauthorized: () => void): string {
  const [version, setVersion] = useState('');
  const heads = useRef({ activity: '', registration: '', audit: '' });
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;
  useEffect(() => {
    let stopped = false;
    let tick = 0;
    const head = async (name: 'activityReport' | 'registrationReport' | 'adminAudit') =>
      (await api.call(name, { query: { limit: 1 } })).events[0]?.id ?? 'none';
    const poll = async () => {
      if (document.visibilityState === 'hidden') return;
      const h = heads.current;
      const next = { ...h, activity: await head('activityReport') };
      if (tick++ % OTHER_POLL_EVERY === 0) {
        next.registration = await head('registrationReport');
        next.audit = await head('adminAudit');
      }
      heads.current = next;
      if (!stopped) setVersion(`${next.activity}|${next.registration}|${next.audit}`);
    };
    const loop = async () => {
      while (!stopped) {
        try {
          await poll();
        } catch (e) {
          if (e instanceof ApiFailure && (e.status === 401 || e.status === 403)) {
            unauthorized.current();
            return;
          }
        }
        await new Promise((r) => setTimeout(r, ACTIVITY_POLL_MS));
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }, [api]);
  return version;
}
