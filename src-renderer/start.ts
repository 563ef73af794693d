import type { Stores } from './stores/context.js';
import type { Screen } from './stores/app-store.js';

/** How often user input is reported to main's idle timer, at most. */
const ACTIVITY_EVERY_MS = 5_000;

/**
 * Start-up: load config and policy, pick the first screen, subscribe to main's events and
 * report activity for the kiosk idle timer. Runs once per window, before the first render.
 * Returns the clean-up (for tests that tear a window's stores down).
 */
export function startApp(stores: Stores): () => void {
  performance.mark('sspr:start-app');
  const { bridge, app, reset, account } = stores;
  const offs = [
    bridge.on('expiry:warning', (w) => app.getState().setBanner('expiry', w.mustChange || w.threshold !== null || w.daysUntilExpiry !== null ? w : null)),
    bridge.on('registration:nudge', (n) => app.getState().setBanner('nudge', n)),
    bridge.on('approval:request', () => {
      app.getState().setBanner('approval', true);
      void account.getState().refreshApprovals();
    }),
    bridge.on('idle:reset', () => {
      reset.getState().wipe();
      app.getState().setBanner('idle', true);
      if (app.getState().screen.name === 'reset' || app.getState().config?.kioskMode) app.getState().go({ name: 'reset' });
    }),
    bridge.on('proof:solving', ({ active }) => app.getState().setCheckingDevice(active)),
    bridge.on('status:changed', (s) => account.getState().setStatus(s)),
    bridge.on('session:changed', (s) => {
      account.getState().setSession(s);
      const name = app.getState().screen.name;
      if (!s.signedIn && !s.passwordChangeRequired && name !== 'reset' && name !== 'signIn' && name !== 'loading') app.getState().go({ name: 'signIn' });
    }),
    bridge.on('app:navigate', ({ screen }) => {
      const current = app.getState().screen;
      const target: Screen =
        screen === 'registration' ? { name: 'home' }
        : screen === 'diagnosis' ? { name: 'diagnosis', back: current.name === 'diagnosis' ? current.back : current }
        : { name: screen };
      const signedIn = account.getState().session?.signedIn ?? false;
      if (target.name === 'reset' || target.name === 'diagnosis' || signedIn) app.getState().go(target);
    }),
  ];

  // Banners follow the freshest status: a registration or a password change clears them.
  offs.push(
    account.subscribe((s, prev) => {
      if (!s.status || s.status === prev.status) return;
      const { password, registration } = s.status.status;
      const banners = app.getState().banners;
      if (banners.nudge && registration.registered && !registration.mustReconfirm) app.getState().setBanner('nudge', null);
      if (banners.expiry && !password.warn) app.getState().setBanner('expiry', null);
    }),
  );

  let lastActivity = 0;
  const activity = () => {
    const now = Date.now();
    if (now - lastActivity < ACTIVITY_EVERY_MS) return;
    lastActivity = now;
    void bridge.invoke('app:activity').catch(() => undefined);
  };
  const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
  events.forEach((e) => window.addEventListener(e, activity, { passive: true, capture: true }));

  void (async () => {
    const session = account.getState().loadSession();
    await app.getState().load();
    performance.mark('sspr:config-loaded');
    const kiosk = app.getState().config?.kioskMode ?? false;
    // `--diagnose`: the diagnosis first, then back to where the app would have started.
    const first = (screen: Screen) => app.getState().go(app.getState().info?.openDiagnosis ? { name: 'diagnosis', back: screen } : screen);
    if (kiosk) return first({ name: 'reset' });
    await session;
    performance.mark('sspr:session-loaded');
    const signedIn = account.getState().session;
    if (signedIn?.passwordChangeRequired) first({ name: 'changePassword' });
    else if (signedIn?.signedIn) first({ name: 'home' });
    else first({ name: 'signIn' });
  })();

  return () => {
    offs.forEach((off) => off());
    events.forEach((e) => window.removeEventListener(e, activity, { capture: true }));
  };
}
