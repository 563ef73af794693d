import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { DirectoryUnavailableError, type Directory, type DirectoryAccount, type DirectoryUser, type PasswordWriteResult } from '../../src-server/directory/directory.js';
import { BuiltinDirectoryStore } from '../../src-server/store/builtin-directory-store.js';
import { startTestServer, type TestServer } from './test-server.js';

/** A test server on a LostAnswerDirectory; its users start with `password`. */
export async function startLostAnswerServer(password: string): Promise<{ t: TestServer; directory: LostAnswerDirectory }> {
  let builtin!: BuiltinDirectory;
  let directory!: LostAnswerDirectory;
  const t = await startTestServer({
    overrides: {
      directory: (base) => {
        builtin = new BuiltinDirectory(new BuiltinDirectoryStore(base.db), base.clock, () => base.policy.get(), base.hashParams);
        return (directory = new LostAnswerDirectory(builtin));
      },
    },
  });
  t.addUser = (u) => builtin.createUser({ password, displayName: u.username, ...u });
  return { t, directory };
}

/**
 * An external directory whose answers can be lost: a built-in directory stands in for LDAP,
 * its single-transaction paths hidden, so the flows take the intent path (R18d, R42).
 */
export class LostAnswerDirectory implements Directory {
  readonly kind = 'openldap' as const;
  /** The next write applies, then its answer is lost. */
  loseNextAnswer = false;
  /** Every read fails too (the directory went away right after the write). */
  down = false;
  constructor(private readonly inner: BuiltinDirectory) {}
  private up(): void {
    if (this.down) throw new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389');
  }
  async findUser(name: string) {
    this.up();
    return this.inner.findUser(name);
  }
  async findUserById(id: string) {
    this.up();
    return this.inner.findUserById(id);
  }
  async findAccountById(id: string) {
    this.up();
    return this.inner.findAccountById(id);
  }
  forEachExpiring: Directory['forEachExpiring'] = (w, size, onPage) => this.inner.forEachExpiring(w, size, onPage);
  forEachUser: Directory['forEachUser'] = (size, onPage) => this.inner.forEachUser(size, onPage);
  isMember = (u: DirectoryUser, g: string) => this.inner.isMember(u, g);
  verifyPassword = (u: string, p: string) => this.inner.verifyPassword(u, p);
  async resetPassword(user: DirectoryAccount, pw: string, o: { unlock: boolean }): Promise<PasswordWriteResult> {
    return this.answer(await this.inner.resetPassword(user, pw, o));
  }
  async changePassword(user: DirectoryAccount, current: string, pw: string, beforeWrite?: () => Promise<void>): Promise<PasswordWriteResult> {
    return this.answer(await this.inner.changePassword(user, current, pw, beforeWrite));
  }
  /** A write's answer, lost once when `loseNextAnswer` says so. */
  private answer(written: PasswordWriteResult): PasswordWriteResult {
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new DirectoryUnavailableError('socket closed before the answer');
    }
    return written;
  }
  unlock = (u: DirectoryUser) => this.inner.unlock(u);
  listAdmins = () => this.inner.listAdmins();
  ping = () => this.inner.ping();
  close = () => this.inner.close();
}
