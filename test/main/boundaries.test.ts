import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layer boundaries are lint rules (eslint.config.js), so `npm test` fails when someone
 * crosses a line. Each case lints a small fixture as if it were a file at that path.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return result!.messages.filter((m) => m.ruleId?.startsWith('no-restricted')).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer boundaries (lint)', () => {
  it.each([
    ['src-renderer/screens/zz-fixture.tsx', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src-renderer/screens/zz-fixture.tsx', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['src-renderer/zz-fixture.ts', "import { Companion } from '../src-main/node/companion.js';\nexport const x = Companion;\n"],
    ['src-renderer/zz-fixture.ts', "export const x = () => fetch('https://example.com');\n"],
    ['src-renderer/zz-fixture.ts', "import { ZxcvbnFactory } from '@zxcvbn-ts/core';\nexport const x = ZxcvbnFactory;\n"],
    ['shared/ipc/zz-fixture.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['shared/rules/zz-fixture.ts', "import { randomBytes } from 'node:crypto';\nexport const x = randomBytes;\n"],
    ['shared/zz-fixture.ts', 'export const x = () => document.title;\n'],
    ['src-main/node/zz-fixture.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n"],
    ['src-main/electron-main/zz-fixture.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n"],
    ['src-main/electron-main/zz-fixture.ts', "import * as electron from 'electron';\nexport const x = electron.ipcMain;\n"],
    ['src-main/node/zz-fixture.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src-main/node/zz-fixture.ts', "import { registerIpc } from '../electron-main/ipc-adapter.js';\nexport const x = registerIpc;\n"],
    ['src-main/common/zz-fixture.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src-main/common/zz-fixture.ts', "import { Companion } from '../node/companion.js';\nexport const x = Companion;\n"],
    ['src-main/common/zz-fixture.ts', 'export const x = () => process.env.HOME;\n'],
    ['src-main/preload/zz-fixture.cts', "import { IPC_CHANNELS } from '../../shared/ipc/contract.js';\nexport const x = IPC_CHANNELS;\n"],
    ['src-main/preload/zz-fixture.cts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['test/main/zz-fixture.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n"],
  ])('%s: a crossing is an error — %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['src-renderer/zz-fixture.ts', "import { IPC_CHANNELS } from '../shared/ipc/contract.js';\nexport const x = IPC_CHANNELS;\n"],
    ['src-main/common/zz-fixture.ts', "import type { BrowserWindowConstructorOptions } from 'electron';\nexport type X = BrowserWindowConstructorOptions;\n"],
    ['src-main/node/zz-fixture.ts', "import { readFileSync } from 'node:fs';\nimport { dispatchIpc } from '../common/ipc-dispatch.js';\nexport const x = [readFileSync, dispatchIpc];\n"],
    ['src-main/electron-main/ipc-adapter.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n"],
    ['src-main/preload/zz-fixture.cts', "import { contextBridge } from 'electron';\nimport type { CompanionBridge } from '../../shared/ipc/contract.js';\nexport const x: Partial<CompanionBridge> = {};\nexport const y = contextBridge;\n"],
  ])('%s: allowed — %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
