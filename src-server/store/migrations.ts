import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/** Versioned migrations; portable across SQLite and PostgreSQL (no dialect-only types). */
const m001 = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    const serial = (c: ColumnDefinitionBuilder) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();
    const serialType = dialect === 'sqlite' ? 'integer' : 'bigint';
    await db.schema.createTable('settings')
      .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('users')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('username', 'varchar(256)', (c) => c.notNull())
      .addColumn('username_key', 'varchar(256)', (c) => c.notNull().unique())
      .addColumn('display_name', 'varchar(256)', (c) => c.notNull())
      .addColumn('email', 'varchar(256)')
      .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('password_changed_at', 'bigint')
      .addColumn('must_change', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('never_expires', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed_signins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('password_history')
      .addColumn('id', serialType, serial)
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('password_history_user').on('password_history').columns(['user_id', 'created_at']).execute();
    await db.schema.createTable('groups')
      .addColumn('name_key', 'varchar(256)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(256)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.createTable('group_members')
      .addColumn('group_key', 'varchar(256)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_members_pk', ['group_key', 'user_id'])
      .execute();
    await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();
    await db.schema.createTable('methods')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('source', 'varchar(16)', (c) => c.notNull())
      .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('hint', 'varchar(128)', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('verified_at', 'bigint')
      .addColumn('last_used_step', 'bigint')
      .execute();
    await db.schema.createIndex('methods_subject').on('methods').columns(['subject_id', 'type']).execute();
    await db.schema.createTable('registrations')
      .addColumn('subject_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('confirmed_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('reset_sessions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('subject_id', 'varchar(128)')
      .addColumn('throttle_key', 'varchar(300)', (c) => c.notNull())
      .addColumn('username', 'varchar(256)', (c) => c.notNull())
      .addColumn('decoy', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('required_methods', 'integer', (c) => c.notNull())
      .addColumn('gates_passed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('passed_method_ids', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('offered', 'text', (c) => c.notNull())
      .addColumn('client', 'varchar(256)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .execute();
    await db.schema.createIndex('reset_sessions_subject').on('reset_sessions').column('subject_id').execute();
    await db.schema.createTable('challenges')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('method_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('code_hash', 'varchar(128)')
      .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('challenges_session').on('challenges').column('session_id').execute();
    await db.schema.createTable('throttle_events')
      .addColumn('id', serialType, serial)
      .addColumn('throttle_key', 'varchar(300)', (c) => c.notNull())
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('throttle_events_key').on('throttle_events').columns(['throttle_key', 'kind', 'at']).execute();
    await db.schema.createTable('throttle_locks')
      .addColumn('throttle_key', 'varchar(300)', (c) => c.notNull())
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('locked_until', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('throttle_locks_pk', ['throttle_key', 'kind'])
      .execute();
    await db.schema.createTable('refresh_tokens')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('family', 'varchar(64)', (c) => c.notNull())
      .addColumn('client', 'varchar(256)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('refresh_tokens_subject').on('refresh_tokens').column('subject_id').execute();
    await db.schema.createTable('token_versions')
      .addColumn('subject_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createTable('approvals')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('challenge_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('client', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .execute();
    await db.schema.createIndex('approvals_subject').on('approvals').columns(['subject_id', 'status']).execute();
    await db.schema.createTable('audit_events')
      .addColumn('id', serialType, serial)
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      .addColumn('category', 'varchar(16)', (c) => c.notNull())
      .addColumn('username', 'varchar(256)')
      .addColumn('actor', 'varchar(256)')
      .addColumn('method', 'varchar(32)')
      .addColumn('result', 'varchar(16)', (c) => c.notNull())
      .addColumn('client', 'varchar(256)')
      .addColumn('detail', 'text')
      .execute();
    // Reports filter by category and time, then by user / type / method / result.
    await db.schema.createIndex('audit_category_at').on('audit_events').columns(['category', 'at', 'id']).execute();
    await db.schema.createIndex('audit_user_at').on('audit_events').columns(['username', 'at']).execute();
    await db.schema.createIndex('audit_at').on('audit_events').columns(['at']).execute();
  },
});

/**
 * Report indexes (R17b): one per filterable column, shaped (category, column, at, id) so an
 * equality filter reads its rows already in keyset order and stops after one page. The type
 * index also carries result and method, so the dashboard summary counts from the index alone.
 */
const m002AuditReportIndexes: Migration = {
  async up(db: Kysely<any>) {
    const idx = (name: string, columns: string[]) => db.schema.createIndex(name).on('audit_events').columns(columns).execute();
    await idx('audit_cat_user_at', ['category', 'username', 'at', 'id']);
    await idx('audit_cat_type_at', ['category', 'type', 'at', 'id', 'result', 'method']);
    await idx('audit_cat_result_at', ['category', 'result', 'at', 'id']);
    await idx('audit_cat_method_at', ['category', 'method', 'at', 'id']);
    await idx('audit_cat_client_at', ['category', 'client', 'at', 'id']);
  },
};

/** Marks the reset sessions that are administrator sign-ins (R10), see schema.ts. */
const m003AdminSignInSessions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('admin_sign_in_sessions')
      .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Issue 9 (trust): step-up proofs bound to a sign-in, Temporary Access Passes (hashes only),
 * and an index to find a sign-in's refresh tokens (session revocation).
 */
const m005Trust: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family').execute();
    await db.schema.createTable('step_up_sessions')
      .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('sign_in_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createTable('step_ups')
      .addColumn('sign_in_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('proven_at', 'bigint', (c) => c.notNull())
      .addColumn('how', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createTable('access_passes')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('pass_hash', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('one_time', 'integer', (c) => c.notNull())
      .addColumn('issued_by', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('access_passes_subject').on('access_passes').column('subject_id').execute();
  },
};

/** Rate-limit windows (one counter per key and minute) and spent proofs-of-work (single use). */
const m006RateLimits: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('rate_limit_windows')
      .addColumn('limit_key', 'varchar(200)', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('hits', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_limit_windows_pk', ['limit_key', 'window_start'])
      .execute();
    await db.schema.createIndex('rate_limit_windows_start').on('rate_limit_windows').column('window_start').execute();
    await db.schema.createTable('spent_proofs')
      .addColumn('proof_id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('spent_proofs_expires').on('spent_proofs').column('expires_at').execute();
  },
};

/**
 * R36: expiry reminders. One row claims one email (user, the expiry it is about, threshold),
 * so several instances send it once; the index lets the built-in directory page through the
 * accounts that expire soon instead of reading them all.
 */
const m007ExpiryReminders: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('expiry_reminders')
      .addColumn('subject_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('threshold', 'integer', (c) => c.notNull())
      .addColumn('claimed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('expiry_reminders_pk', ['subject_id', 'expires_at', 'threshold'])
      .execute();
    await db.schema.createIndex('expiry_reminders_expires').on('expiry_reminders').column('expires_at').execute();
    await db.schema.createIndex('users_password_changed').on('users').columns(['password_changed_at', 'id']).execute();
  },
};

/**
 * One outcome per reset (issue 10): a `setting` claim that lapses, the durable outbox of
 * notices written with the reset, and the intents recorded before an external directory write.
 */
const m008AtomicResets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('reset_sessions').addColumn('claim_until', 'bigint').execute();
    await db.schema.createTable('notices')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(40)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('claimed_by', 'varchar(64)')
      .addColumn('claimed_until', 'bigint')
      .addColumn('sent_at', 'bigint')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('notices_due').on('notices').columns(['sent_at', 'next_attempt_at']).execute();
    await db.schema.createTable('password_intents')
      .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** R38: API tokens for automation, stored as a public lookup id and the hash of the whole token. */
const m009ApiTokens: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('api_tokens')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('token_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('scopes', 'varchar(200)', (c) => c.notNull())
      .addColumn('created_by', 'varchar(256)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
  },
};

/** The built-in directory records its last wrong password, as LDAP's pwdFailureTime does (issue 13). */
const m010LastFailedSignin: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('users').addColumn('last_failed_signin_at', 'bigint').execute();
  },
};

/**
 * Issue 10: a signed-in change or an administrator's reset on LDAP/AD records its intent too;
 * not tied to a reset session, so a table of its own (`settle_after`: until then its request
 * settles it).
 */
const m011PasswordWriteIntents: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('password_write_intents')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('settle_after', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Issue 12: sent notices stay until they expire (a day), so the outbox's purge (by
 * `expires_at`) and its read-back of a claim (by `claimed_by`) scanned every notice of the
 * last day on each delivery; an index each makes both a lookup.
 */
const m012NoticeIndexes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('notices_expires').on('notices').column('expires_at').execute();
    await db.schema.createIndex('notices_claimed_by').on('notices').column('claimed_by').execute();
  },
};

/**
 * Issue 12: a notice is deleted once the relay has it. Its sealed message (addresses, names)
 * is no longer kept a day for nothing, and the table holds only what is still to send, so
 * queueing, marking and purging work on a handful of rows, not on a day of them.
 */
const m013NoticesDeletedWhenSent: Migration = {
  async up(db: Kysely<any>) {
    await db.deleteFrom('notices').where('sent_at', 'is not', null).execute();
    await db.schema.dropIndex('notices_due').execute();
    await db.schema.alterTable('notices').dropColumn('sent_at').execute();
    await db.schema.createIndex('notices_due').on('notices').column('next_attempt_at').execute();
  },
};

/**
 * Issue 12: two audit indexes no query reads any more, each written with every event. Every
 * report filters by category first (the (category, column, at, id) indexes of 002); the purge
 * and the oldest event are found by category on audit_category_at.
 */
const m014AuditIndexesUnread: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('audit_user_at').execute();
    await db.schema.dropIndex('audit_at').execute();
  },
};

/**
 * Issue 12: SQLite keeps a table whose primary key is not an integer as two b-trees, the rows
 * by rowid and the key's index; WITHOUT ROWID keeps one, so each insert, update and delete
 * writes one page fewer. The small tables every sign-in, change and reset writes are rebuilt
 * so (PostgreSQL has no rowid). Notices now only wait in their table (013): the purge and the
 * read-back of a claim scan a handful of rows, so their two indexes go.
 */
const m015FewerPagesPerWrite = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('notices_expires').execute();
    await db.schema.dropIndex('notices_claimed_by').execute();
    if (dialect !== 'sqlite') return;
    for (const table of ['refresh_tokens', 'token_versions', 'notices', 'password_write_intents', 'password_intents']) await rebuildWithoutRowid(db, table);
  },
});

/**
 * Issue 12: most events carry no method (sign-ins, changes, resets begun and done,
 * administrators' actions), so the method index keeps only those that do: the others write
 * one b-tree fewer. A report's `method = ?` implies `method is not null`, so both dialects
 * still seek on it.
 */
const m016MethodIndexPartial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('audit_cat_method_at').execute();
    await db.schema.createIndex('audit_cat_method_at').on('audit_events').columns(['category', 'method', 'at', 'id']).where(sql.ref('method'), 'is not', null).execute();
  },
};

/** SQLite: `table` rebuilt WITHOUT ROWID from its own definition, with its rows and named indexes. */
async function rebuildWithoutRowid(db: Kysely<any>, table: string): Promise<void> {
  const objects = (await sql<{ type: string; sql: string | null }>`select type, sql from sqlite_master where tbl_name = ${table}`.execute(db)).rows;
  const definition = objects.find((o) => o.type === 'table')?.sql;
  if (!definition) throw new Error(`no table ${table} to rebuild`);
  const rebuilt = `${table}_rebuilt`;
  await sql.raw(`${definition.replace(/^create table\s+("[^"]+"|\S+)/i, `create table "${rebuilt}"`)} without rowid`).execute(db);
  await sql.raw(`insert into "${rebuilt}" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${rebuilt}" rename to "${table}"`).execute(db);
  for (const index of objects.filter((o) => o.type === 'index' && o.sql)) await sql.raw(index.sql!).execute(db);
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    async getMigrations() {
      return { '001_initial': m001(dialect), '002_audit_report_indexes': m002AuditReportIndexes, '003_admin_sign_in_sessions': m003AdminSignInSessions, '005_trust': m005Trust, '006_rate_limits': m006RateLimits, '007_expiry_reminders': m007ExpiryReminders, '008_atomic_resets': m008AtomicResets, '009_api_tokens': m009ApiTokens, '010_last_failed_signin': m010LastFailedSignin, '011_password_write_intents': m011PasswordWriteIntents, '012_notice_indexes': m012NoticeIndexes, '013_notices_deleted_when_sent': m013NoticesDeletedWhenSent, '014_audit_indexes_unread': m014AuditIndexesUnread, '015_fewer_pages_per_write': m015FewerPagesPerWrite(dialect), '016_method_index_partial': m016MethodIndexPartial };
    },
  };
}
