export const ELECTRON_PACKAGE_DIR: string;
export function findElectronBinary(pkgDir?: string): { path: string; reason: null } | { path: null; reason: string };
export function downloadElectron(options?: { pkgDir?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ ok: true } | { ok: false; reason: string }>;
export function prepareElectron(options?: { pkgDir?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ path: string; reason: null } | { path: null; reason: string; download?: string }>;
export function notStartedLine(reason: string, serverUrl: string): string;
