import { useReset } from '../../stores/context.js';
import { DoneScreen } from './DoneScreen.js';
import { IdentifyScreen } from './IdentifyScreen.js';
import { PasswordScreen } from './PasswordScreen.js';
import { ExpiredScreen, LockedScreen, UnavailableScreen } from './ProblemScreens.js';
import { VerifyScreen } from './VerifyScreen.js';

export function ResetWizard() {
  const step = useReset((s) => s.step);
  const gate = useReset((s) => s.view?.gatesPassed ?? 0);
  switch (step) {
    case 'identify':
      return <IdentifyScreen />;
    case 'verify':
      // Keyed by gate: the second gate is a fresh screen (focus, state) of the same shape.
      return <VerifyScreen key={gate} />;
    case 'password':
      return <PasswordScreen />;
    case 'done':
      return <DoneScreen />;
    case 'locked':
      return <LockedScreen />;
    case 'expired':
      return <ExpiredScreen />;
    case 'unavailable':
      return <UnavailableScreen />;
  }
}
