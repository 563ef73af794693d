// Lint, and the layer boundaries: shared/ imports neither Node, Electron nor the DOM;
// the renderer never imports Node or Electron; only the IPC adapter touches ipcMain;
// the server's rooms keep HTTP in http/ and SQL in store/; the admin console is browser-only.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'tls', 'url', 'util', 'events', 'stream', 'buffer', 'worker_threads'];

// Main-process layers (src-main/): common/ is pure, node/ has no Electron, only the adapter
// touches ipcMain, the sandboxed preload requires nothing but electron.
const IPC_MAIN_ONLY_IN_ADAPTER = { name: 'electron', importNames: ['ipcMain'], message: 'Only src-main/electron-main/ipc-adapter.ts touches ipcMain.' };
const NO_IPC_MAIN_SYNTAX = ['error', { selector: "Identifier[name='ipcMain']", message: 'Only src-main/electron-main/ipc-adapter.ts touches ipcMain.' }];
const MAIN_ONLY = ['**/src-main/**', '**/src-server/**', '@napi-rs/*', '@zxcvbn-ts/*'];

// Server rooms: only http/ speaks HTTP (flows throw src-server/errors.ts, log through a
// tiny Log type), and only store/ holds SQL: the drivers and kysely's values (the `sql`
// tag, dialects) are imported there alone, and no other room builds a query — it may name
// kysely's types and hand the transaction it was given to a store/ repository.
const SERVER_ROOMS = ['flows', 'methods', 'directory', 'auth', 'policy', 'throttle', 'store', 'cli', 'notify', 'reports', 'audit', 'security'];
const NO_HTTP = { group: ['**/http/**', 'fastify', 'fastify/*', '@fastify/*'], message: 'Only src-server/http/ speaks HTTP: throw ProblemError (src-server/errors.ts), log through Log (src-server/log.ts).' };
const QUERY_MESSAGE = 'Only src-server/store/ writes SQL: put this query in a repository under store/, built in server.ts and passed in.';
const NO_QUERY_BUILDING = [
  { selector: "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]", message: QUERY_MESSAGE },
  { selector: "TaggedTemplateExpression[tag.name='sql']", message: QUERY_MESSAGE },
  { selector: "CallExpression[callee.object.name='sql']", message: QUERY_MESSAGE },
];
const SQL_ONLY_IN_STORE = { group: ['kysely', 'better-sqlite3', 'pg', 'pg-*'], allowTypeImports: true, message: 'Only src-server/store/ holds SQL and the database drivers (kysely types are fine elsewhere).' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'artifacts/**', '.sspr-data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.cts'],
    ignores: ['src-main/electron-main/ipc-adapter.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER] }],
      'no-restricted-syntax': NO_IPC_MAIN_SYNTAX,
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...NODE_BUILTINS, 'electron', 'react', 'react-dom'], message: 'shared/ runs everywhere: no Node, Electron or DOM imports.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer'],
    },
  },
  {
    // The renderer holds no secrets and opens no sockets: it talks only to window.companion.
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [{ group: [...NODE_BUILTINS, 'electron', ...MAIN_ONLY], message: 'The renderer never imports Node, Electron or main/server code; ask main through window.companion.' }] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', 'fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource'],
    },
  },
  {
    files: ['src-server/**/*.ts'],
    ignores: ['src-server/store/**', ...SERVER_ROOMS.map((room) => `src-server/${room}/**`)],
    rules: { 'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [SQL_ONLY_IN_STORE] }] },
  },
  {
    files: SERVER_ROOMS.filter((room) => room !== 'store').map((room) => `src-server/${room}/**/*.ts`),
    rules: { 'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [NO_HTTP, SQL_ONLY_IN_STORE] }] },
  },
  {
    files: ['src-server/store/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [NO_HTTP] }] },
  },
  {
    // Replaces the options of the all-files rule above, so its ipcMain selector is repeated.
    files: ['src-server/**/*.ts'],
    ignores: ['src-server/store/**'],
    rules: { 'no-restricted-syntax': [...NO_IPC_MAIN_SYNTAX, ...NO_QUERY_BUILDING] },
  },
  {
    // The admin console runs in a browser: no Node, no server or app code; the contract is in shared/.
    files: ['src-admin/**/*.ts', 'src-admin/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [{ group: [...NODE_BUILTINS, 'electron', ...MAIN_ONLY], message: 'The admin console runs in a browser: no Node, Electron, main or server code (the API contract is in shared/).' }] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['src-main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [
        { group: [...NODE_BUILTINS, '@napi-rs/*'], message: 'src-main/common/ is pure: no Node modules (put I/O in src-main/node/).' },
        { group: ['electron'], allowTypeImports: true, message: 'src-main/common/ may use Electron types only.' },
        { group: ['**/node/*', '**/electron-main/*', '**/src-server/**'], message: 'src-main/common/ depends on nothing above it.' },
      ] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', 'window', 'document'],
    },
  },
  {
    files: ['src-main/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [
        { group: ['electron'], allowTypeImports: true, message: 'src-main/node/ runs without Electron (unit tests, the test host).' },
        { group: ['**/electron-main/*', '**/src-server/**'], message: 'src-main/node/ does not depend on the Electron shell or the server.' },
      ] }],
    },
  },
  {
    // Sandboxed preload: only `electron` can be required at run time.
    files: ['src-main/preload/**/*.cts', 'src-main/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [IPC_MAIN_ONLY_IN_ADAPTER], patterns: [
        { group: ['./*', '../*', ...NODE_BUILTINS, 'zod'], allowTypeImports: true, message: 'The sandboxed preload can require only electron (type imports are fine).' },
      ] }],
    },
  },
);
