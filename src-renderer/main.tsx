import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { getBridge } from './bridge.js';
import { systemLocale } from './i18n/index.js';
import { createAccountStore } from './stores/account-store.js';
import { createAppStore } from './stores/app-store.js';
import { StoresProvider, type Stores } from './stores/context.js';
import { createResetStore } from './stores/reset-store.js';
import { startApp } from './start.js';
import './styles/app.css';

// Marks the benchmark reads: where start-up time goes (script, first IPC answers).
performance.mark('sspr:script-start');

const bridge = getBridge();
const stores: Stores = {
  bridge,
  app: createAppStore(bridge, systemLocale(navigator.languages)),
  reset: createResetStore(bridge),
  account: createAccountStore(bridge),
};

// Start-up IPC goes out before React's first render, so the two overlap.
startApp(stores);

createRoot(document.getElementById('root')!).render(
  <StoresProvider stores={stores}>
    <App />
  </StoresProvider>,
);
