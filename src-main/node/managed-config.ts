/**
 * Reads IT's machine-wide config from where each OS keeps policy: the registry policy key
 * (Windows, `reg query`), managed preferences (macOS, `plutil -convert json`), a JSON file
 * (Linux). Absent → no managed settings; unreadable or invalid → defaults plus ONE message.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { LINUX_MANAGED_CONFIG, MACOS_MANAGED_PLIST, WINDOWS_POLICY_KEY } from '../common/app-identity.js';
import { NO_MANAGED, type ManagedState } from '../common/effective-config.js';
import { plistJsonToRaw, registryToRaw, validateManaged } from '../common/managed-config-parse.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type RunCommand = (file: string, args: string[]) => Promise<CommandResult>;

interface ManagedConfigLocations {
  platform: NodeJS.Platform;
  linuxPath?: string;
  macPlistPath?: string;
  windowsKey?: string;
  run?: RunCommand;
}

const runCommand: RunCommand = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { windowsHide: true, timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });

export async function loadManagedConfig(loc: ManagedConfigLocations): Promise<ManagedState> {
  const run = loc.run ?? runCommand;
  switch (loc.platform) {
    case 'win32':
      return fromRegistry(loc.windowsKey ?? WINDOWS_POLICY_KEY, run);
    case 'darwin':
      return fromPlist(loc.macPlistPath ?? MACOS_MANAGED_PLIST, run);
    default:
      return fromJsonFile(loc.linuxPath ?? LINUX_MANAGED_CONFIG);
  }
}

async function fromJsonFile(path: string): Promise<ManagedState> {
  if (!existsSync(path)) return NO_MANAGED;
  const source = { kind: 'linux-file' as const, location: path };
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    return { config: {}, source, problem: `Managed config ${path}: not readable JSON (${firstLine(err)}); running on defaults.` };
  }
  return settle(validateManaged(raw, path), source);
}

async function fromPlist(path: string, run: RunCommand): Promise<ManagedState> {
  if (!existsSync(path)) return NO_MANAGED;
  const source = { kind: 'macos-managed-preferences' as const, location: path };
  const out = await run('/usr/bin/plutil', ['-convert', 'json', '-o', '-', path]);
  if (out.code !== 0) return { config: {}, source, problem: `Managed config ${path}: plutil could not read it (${out.stderr.trim() || `exit ${out.code}`}); running on defaults.` };
  let raw: unknown;
  try {
    raw = plistJsonToRaw(out.stdout);
  } catch (err) {
    return { config: {}, source, problem: `Managed config ${path}: ${firstLine(err)}; running on defaults.` };
  }
  return settle(validateManaged(raw, path), source);
}

async function fromRegistry(key: string, run: RunCommand): Promise<ManagedState> {
  const out = await run('reg', ['query', key, '/s']);
  // `reg query` exits 1 when the key does not exist: nothing is managed.
  if (out.code !== 0) return NO_MANAGED;
  const raw = registryToRaw(out.stdout, key);
  if (!raw) return NO_MANAGED;
  return settle(validateManaged(raw, key), { kind: 'windows-registry', location: key });
}

function settle(parsed: ReturnType<typeof validateManaged>, source: NonNullable<ManagedState['source']>): ManagedState {
  return parsed.ok ? { config: parsed.config, source, problem: null } : { config: {}, source, problem: parsed.problem };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
