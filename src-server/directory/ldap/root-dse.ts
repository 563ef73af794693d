import type { ClientPool } from './connection.js';
import { Attrs } from './values.js';

export type LdapFlavour = 'openldap' | 'activedirectory';

export interface RootDse {
  flavour: LdapFlavour;
  namingContexts: string[];
  /** AD: the domain's own naming context (its password policy lives there). */
  defaultNamingContext: string | null;
  supportedControls: string[];
  supportedExtensions: string[];
  vendor: string | null;
}

/** LDAP_CAP_ACTIVE_DIRECTORY_OID: every AD DC (and Samba's) lists it. */
const AD_CAPABILITY = '1.2.840.113556.1.4.800';

/** Pure: which flavour a root DSE describes. Anything that is not AD is driven as OpenLDAP (RFC 3062, ppolicy when present). */
export function flavourOf(dse: Attrs): LdapFlavour {
  if (dse.all('supportedCapabilities').includes(AD_CAPABILITY)) return 'activedirectory';
  return 'openldap';
}

/** Reads the root DSE (as the service account: OpenLDAP ACLs often hide it from anonymous users). */
export async function readRootDse(pool: ClientPool): Promise<RootDse> {
  const entries = await pool.use((c) =>
    c.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['supportedCapabilities', 'supportedControl', 'supportedExtension', 'namingContexts', 'defaultNamingContext', 'vendorName', 'vendorVersion', 'structuralObjectClass', 'objectClass'],
    }),
  );
  const dse = new Attrs(entries.searchEntries[0] ?? { dn: '' });
  return {
    flavour: flavourOf(dse),
    namingContexts: dse.all('namingContexts'),
    defaultNamingContext: dse.first('defaultNamingContext'),
    supportedControls: dse.all('supportedControl'),
    supportedExtensions: dse.all('supportedExtension'),
    vendor: dse.first('vendorName') ?? (dse.all('objectClass').includes('OpenLDAProotDSE') ? 'OpenLDAP' : null),
  };
}
