import { useEffect } from 'react';
import type { Screen } from './stores/app-store.js';
import { Layout } from './components/Layout.js';
import { ApprovalsScreen } from './screens/account/ApprovalsScreen.js';
import { ChangePasswordScreen } from './screens/account/ChangePasswordScreen.js';
import { HomeScreen } from './screens/account/HomeScreen.js';
import { RegisterScreen } from './screens/account/RegisterScreen.js';
import { SignInScreen } from './screens/account/SignInScreen.js';
import { DiagnosisScreen } from './screens/DiagnosisScreen.js';
import { ResetWizard } from './screens/reset/ResetWizard.js';
import { useApp, useBranding, useReset, useT } from './stores/context.js';

export function App() {
  const t = useT();
  const locale = useApp((s) => s.locale);
  const screen = useApp((s) => s.screen);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  const step = useReset((s) => s.step);
  const gate = useReset((s) => s.view?.gatesPassed ?? 0);
  const { organizationName } = useBranding();

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = organizationName ? t.app.titleWithOrg(organizationName) : t.app.title;
  }, [locale, organizationName, t]);

  // Kiosk mode shows the reset flow (and why it may fail here) and nothing else, whatever asks for another screen.
  const shown: Screen = kiosk && screen.name !== 'loading' && screen.name !== 'diagnosis' ? { name: 'reset' } : screen;
  const announce = shown.name === 'reset' ? `${resetTitle(t, step)}${step === 'verify' ? ` ${gate + 1}` : ''}` : shown.name === 'diagnosis' ? t.diagnosis.title : shown.name;
  return <Layout announce={announce}>{render(shown, t.app.loading)}</Layout>;
}

function resetTitle(t: ReturnType<typeof useT>, step: string): string {
  const titles: Record<string, string> = {
    identify: t.reset.identifyTitle,
    verify: t.reset.verifyTitle,
    password: t.reset.passwordTitle,
    done: t.reset.doneTitle,
    locked: t.reset.lockedTitle,
    expired: t.reset.expiredTitle,
    unavailable: t.reset.unavailableTitle,
  };
  return titles[step] ?? '';
}

function render(screen: Screen, loading: string) {
  switch (screen.name) {
    case 'loading':
      return (
        <p className="loading" role="status" data-screen="loading">
          {loading}
        </p>
      );
    case 'reset':
      return <ResetWizard />;
    case 'signIn':
      return <SignInScreen />;
    case 'home':
      return <HomeScreen />;
    case 'changePassword':
      return <ChangePasswordScreen />;
    case 'register':
      return <RegisterScreen key={screen.method} method={screen.method} />;
    case 'approvals':
      return <ApprovalsScreen />;
    case 'diagnosis':
      return <DiagnosisScreen back={screen.back} />;
  }
}
