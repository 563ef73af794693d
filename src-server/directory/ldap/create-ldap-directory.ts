import { ResultCodeError } from 'ldapts';
import type { Clock } from '../../clock.js';
import { DirectoryUnavailableError } from '../directory.js';
import { ActiveDirectory } from './active-directory.js';
import type { ServerConfig } from '../../config.js';
import { ClientPool, LdapConnector, unavailable } from './connection.js';
import type { DirectoryLog, LdapDirectory, LdapSettings } from './ldap-directory.js';
import { OpenLdapDirectory } from './openldap-directory.js';
import { readRootDse } from './root-dse.js';

const TLS_NEEDED = (url: string) => `${url}: the directory needs TLS for binds and password writes: use ldaps:// or SSPR_LDAP_START_TLS=true`;

/** The LDAP settings from the server config (SSPR_DIRECTORY_URL + SSPR_LDAP_*). */
export function ldapSettingsFrom(config: ServerConfig): LdapSettings {
  if (!config.ldap) throw new Error('an LDAP directory needs the SSPR_LDAP_* settings');
  const l = config.ldap;
  return {
    url: config.directoryUrl,
    bindDn: l.bindDn,
    bindPassword: l.bindPassword,
    baseDn: l.baseDn,
    caFile: l.caFile,
    startTls: l.startTls,
    alternateEmailAttribute: l.alternateEmailAttribute,
    timeoutMs: l.timeoutMs,
    adminGroup: l.adminGroup,
    ppolicyDn: l.ppolicyDn,
    groupsFrom: l.groupsFrom,
    poolSize: l.poolSize,
    policyCacheMs: 60_000,
  };
}

/**
 * Connects as the service account, reads the root DSE and returns the adapter for the
 * flavour it describes (OpenLDAP or Active Directory). Throws DirectoryUnavailableError
 * when the directory cannot be reached or refuses the service account.
 */
export async function createLdapDirectory(settings: LdapSettings, clock: Clock, log: DirectoryLog): Promise<LdapDirectory> {
  const connector = new LdapConnector({ url: settings.url, startTls: settings.startTls, caFile: settings.caFile, timeoutMs: settings.timeoutMs });
  const probe = new ClientPool('service account', connector, (c) => c.bind(settings.bindDn, settings.bindPassword), 1);
  let rootDse;
  try {
    rootDse = await readRootDse(probe);
  } catch (error) {
    const root = error instanceof DirectoryUnavailableError ? error.cause : error;
    // 8 strongerAuthRequired, 13 confidentialityRequired: AD refuses simple binds in the clear.
    if (root instanceof ResultCodeError && (root.code === 8 || root.code === 13)) throw new DirectoryUnavailableError(TLS_NEEDED(settings.url), { cause: root });
    throw unavailable(root, `directory ${settings.url} (as ${settings.bindDn})`);
  } finally {
    await probe.close();
  }
  const ctx = { settings, clock, log, rootDse, connector };
  if (rootDse.flavour === 'openldap') return new OpenLdapDirectory(ctx);
  if (!settings.url.startsWith('ldaps:') && !settings.startTls) {
    // AD refuses password writes on a clear connection; say so now rather than at the first reset.
    throw new DirectoryUnavailableError(TLS_NEEDED(settings.url));
  }
  return new ActiveDirectory(ctx);
}
