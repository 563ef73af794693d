import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { HashParams } from '../security/password-hash.js';
import { BuiltinDirectoryStore } from '../store/builtin-directory-store.js';
import type { Db } from '../store/db.js';
import { BuiltinDirectory } from './builtin-directory.js';
import type { Directory } from './directory.js';
import { createLdapDirectory, ldapSettingsFrom } from './ldap/create-ldap-directory.js';
import type { DirectoryLog } from './ldap/ldap-directory.js';

/** The configured directory: the built-in one in the store, or LDAP / Active Directory. */
export async function openDirectory(
  config: ServerConfig,
  parts: { db: Db; clock: Clock; policyStore: PolicyStore; hashParams: HashParams; log: DirectoryLog },
): Promise<Directory> {
  return config.directoryUrl === 'builtin'
    ? new BuiltinDirectory(new BuiltinDirectoryStore(parts.db), parts.clock, () => parts.policyStore.get(), parts.hashParams)
    : createLdapDirectory(ldapSettingsFrom(config), parts.clock, parts.log);
}
