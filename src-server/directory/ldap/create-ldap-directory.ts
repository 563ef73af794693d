import type { Clock } from '../../clock.js';
import type { ServerConfig } from '../../config.js';
import { ClientPool, LdapConnector, unavailable } from './connection.js';
import type { LdapDirectory, LdapSettings } from './ldap-directory.js';
import { OpenLdapDirectory } from './openldap-directory.js';
import { readRootDse } from './root-dse.js';

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
    poolSize: l.poolSize,
    policyCacheMs: 60_000,
  };
}

/**
 * Connects as the service account, reads the root DSE and returns the adapter for the
 * flavour it describes (OpenLDAP or Active Directory). Throws DirectoryUnavailableError
 * when the directory cannot be reached or refuses the service account.
 */
export async function createLdapDirectory(settings: LdapSettings, clock: Clock): Promise<LdapDirectory> {
  const connector = new LdapConnector({ url: settings.url, startTls: settings.startTls, caFile: settings.caFile, timeoutMs: settings.timeoutMs });
  const probe = new ClientPool('service account', connector, (c) => c.bind(settings.bindDn, settings.bindPassword), 1);
  let rootDse;
  try {
    rootDse = await readRootDse(probe);
  } catch (error) {
    throw unavailable(error, `directory ${settings.url} (as ${settings.bindDn})`);
  } finally {
    await probe.close();
  }
  const ctx = { settings, clock, rootDse, connector };
  return new OpenLdapDirectory(ctx);
}
