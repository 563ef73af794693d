import { BerReader, BerWriter, Control } from 'ldapts';

/**
 * The LDAP controls and extended-operation payloads the adapters need and ldapts does not
 * ship. ldapts hands a response control to the request control of the same OID, so the
 * instance sent with a request carries the server's answer afterwards, even when the
 * request failed.
 */

/** draft-behera-ldap-password-policy §6.2 error values, as OpenLDAP's ppolicy sends them. */
export const PPOLICY_ERRORS = [
  'passwordExpired',
  'accountLocked',
  'changeAfterReset',
  'passwordModNotAllowed',
  'mustSupplyOldPassword',
  'insufficientPasswordQuality',
  'passwordTooShort',
  'passwordTooYoung',
  'passwordInHistory',
  'passwordTooLong',
] as const;
export type PpolicyError = (typeof PPOLICY_ERRORS)[number];

interface PpolicyResponse {
  error?: PpolicyError;
  /** Seconds until the password expires (a bind warning). */
  timeBeforeExpiration?: number;
  /** Binds left on an expired password (pwdGraceAuthNLimit). */
  graceAuthNsRemaining?: number;
}

/** Reads one BER element's tag, content start and end; enough for the small values here. */
function readTlv(buf: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  return { tag, start, end: start + len };
}

function readUnsigned(buf: Buffer, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** Password policy request control (1.3.6.1.4.1.42.2.27.8.5.1); after the call, `response` holds the answer. */
export class PasswordPolicyControl extends Control {
  static readonly OID = '1.3.6.1.4.1.42.2.27.8.5.1';
  response: PpolicyResponse | null = null;

  constructor() {
    super(PasswordPolicyControl.OID, { critical: false });
  }

  protected override parseControl(reader: BerReader): void {
    const buf = reader.buffer;
    const response: PpolicyResponse = {};
    if (buf.length >= 2 && buf[0] === 0x30) {
      const seq = readTlv(buf, 0);
      let at = seq.start;
      while (at < seq.end) {
        const el = readTlv(buf, at);
        if (el.tag === 0xa0) {
          // warning [0] CHOICE { timeBeforeExpiration [0], graceAuthNsRemaining [1] }
          const w = readTlv(buf, el.start);
          const value = readUnsigned(buf, w.start, w.end);
          if (w.tag === 0x80) response.timeBeforeExpiration = value;
          else if (w.tag === 0x81) response.graceAuthNsRemaining = value;
        } else if (el.tag === 0x81) {
          response.error = PPOLICY_ERRORS[readUnsigned(buf, el.start, el.end)];
        }
        at = el.end;
      }
    }
    this.response = response;
  }
}

/**
 * AD's LDAP_SERVER_POLICY_HINTS control: with flags = 1, a password reset (unicodePwd
 * replace) is checked against history and complexity like a change. 1.2.840.113556.1.4.2239
 * is current; 1.2.840.113556.1.4.2066 the deprecated OID older DCs know.
 */
export class PolicyHintsControl extends Control {
  static readonly OID = '1.2.840.113556.1.4.2239';
  static readonly DEPRECATED_OID = '1.2.840.113556.1.4.2066';

  constructor(oid: string = PolicyHintsControl.OID) {
    super(oid, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(1);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}

/** RFC 3062 Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

/** The request value: `PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0], oldPasswd [1], newPasswd [2] }`. */
export function passwordModifyValue(input: { userDn?: string; oldPassword?: string; newPassword: string }): Buffer {
  const w = new BerWriter();
  w.startSequence();
  if (input.userDn !== undefined) w.writeString(input.userDn, 0x80);
  if (input.oldPassword !== undefined) w.writeString(input.oldPassword, 0x81);
  w.writeString(input.newPassword, 0x82);
  w.endSequence();
  return w.buffer;
}
