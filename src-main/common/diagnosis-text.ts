/**
 * The diagnosis in plain words (en / ja): per check a title, and per outcome what it means
 * and what to do. Facts (host, error code, seconds) are filled in; nothing else is.
 */
import type { Locale } from '../../shared/api/common.js';
import type { DiagnosisCheckId, DiagnosisVerdict } from '../../shared/ipc/contract.js';

/** [explanation, what to do (null: nothing)]. */
export type Said = readonly [string, string | null];
type F = Record<string, string>;

export const DIAGNOSIS_OUTCOMES = {
  'server-url': ['set', 'notConfigured', 'insecure'],
  mode: ['desktop', 'kiosk', 'logon'],
  'managed-config': ['none', 'applied', 'problem'],
  proxy: ['none', 'inUse', 'notUsed', 'bypassed'],
  dns: ['resolved', 'literal', 'failed'],
  tcp: ['connected', 'refused', 'timeout', 'failed'],
  tls: ['valid', 'plain', 'untrusted', 'expired', 'notYetValid', 'hostMismatch', 'failed'],
  'api-version': ['compatible', 'incompatible', 'notSspr', 'failed'],
  clock: ['inStep', 'drifting', 'skewed', 'noDate'],
  ready: ['ready', 'notReady', 'unexpected', 'failed'],
  keychain: ['available', 'unavailable', 'notAtSignIn'],
  account: ['registered', 'notSignedIn', 'notInScope', 'notRegistered', 'offline', 'sharedMachine', 'failed'],
} as const satisfies Record<DiagnosisCheckId, readonly string[]>;
export type DiagnosisOutcome<C extends DiagnosisCheckId> = (typeof DIAGNOSIS_OUTCOMES)[C][number];

type CheckText = { [C in DiagnosisCheckId]: { title: string } & { [O in DiagnosisOutcome<C>]: (f: F) => Said } };

export interface DiagnosisText {
  reportTitle: string;
  checkedAt: string;
  app: string;
  overall: string;
  whatToDo: string;
  verdicts: Record<DiagnosisVerdict, string>;
  /** Why a check did not run: the one before it failed. */
  skipped: (after: string) => Said;
  checks: CheckText;
}

const en: DiagnosisText = {
  reportTitle: 'Password reset diagnosis report',
  checkedAt: 'Checked at',
  app: 'App',
  overall: 'Overall',
  whatToDo: 'What to do',
  verdicts: { ok: 'OK', warn: 'Warning', fail: 'Problem', skipped: 'Not checked' },
  skipped: (after) => [`Not checked, because "${after}" did not pass.`, null],
  checks: {
    'server-url': {
      title: 'Password service address',
      set: (f) => [`This app uses ${f.url}.`, null],
      notConfigured: () => ['This app has not been given the address of your password service.', 'Ask your IT department to set the server address for this computer.'],
      insecure: () => ['The address set for this app is not a secure (https://) address, so the app will not use it.', 'Ask your IT department for the https:// address of the password service.'],
    },
    mode: {
      title: 'How the app runs',
      desktop: () => ['On your desktop: reset, change your password and manage your methods.', null],
      kiosk: () => ['As a kiosk: password reset only, wiped after a short idle time.', null],
      logon: () => ['From the computer\'s sign-in screen: password reset only, nothing is kept.', null],
    },
    'managed-config': {
      title: 'Settings from your organisation',
      none: () => ['Your organisation has not set anything for this app on this computer.', null],
      applied: (f) => [`Your organisation set ${f.keys} (from ${f.source}).`, null],
      problem: (f) => [`Your organisation's settings (${f.source}) could not be used, so the app runs on its defaults: ${f.problem}`, 'Tell your IT department: the app\'s managed settings on this computer are not valid.'],
    },
    proxy: {
      title: 'Proxy',
      none: () => ['No proxy is set: the app connects to the server directly.', null],
      inUse: (f) => [`The app's calls go through the proxy ${f.proxy} (set by ${f.variable}); the checks below connect directly, so they can fail where the app would not.`, 'If the server cannot be reached, ask your IT department whether the proxy lets this computer reach the password service.'],
      notUsed: (f) => [`A proxy is set (${f.proxy}, by ${f.variable}), but this app connects to the server directly.`, 'If this network allows no direct connections, ask your IT department to let this computer reach the password service directly, or to start the app with NODE_USE_ENV_PROXY=1 so it uses the proxy.'],
      bypassed: (f) => [`A proxy is set (${f.proxy}), but not used for this server (${f.variable}).`, null],
    },
    dns: {
      title: 'Finding the server (DNS)',
      resolved: (f) => [`${f.host} was found: ${f.addresses}.`, null],
      literal: (f) => [`The address ${f.host} needs no lookup.`, null],
      failed: (f) => [`The name ${f.host} could not be found (${f.error}). This computer may be offline or outside the company network.`, 'Check that you are connected to the network (and to the VPN when you are away from the office), then run the check again.'],
    },
    tcp: {
      title: 'Connecting to the server',
      connected: (f) => [`This computer reached ${f.host} on port ${f.port}.`, null],
      refused: (f) => [`Nothing answered on ${f.host} port ${f.port}: the password service is not running there, or a firewall turns the connection away.`, 'The service may be down. Try again later, or tell your helpdesk that the password service is not answering.'],
      timeout: (f) => [`${f.host} port ${f.port} did not answer in time: a firewall or the network is holding the connection.`, 'Check the network (and VPN). If it stays like this, give your helpdesk this report.'],
      failed: (f) => [`The connection to ${f.host} port ${f.port} failed (${f.error}).`, 'Check the network (and VPN), then run the check again.'],
    },
    tls: {
      title: 'Secure connection (certificate)',
      valid: (f) => [`The server's certificate is valid for ${f.host}, issued by ${f.issuer}, until ${f.validTo}.`, null],
      plain: () => ['The server runs on this computer, so no certificate is needed.', null],
      untrusted: (f) => [`The server's certificate was issued by "${f.issuer}", which this computer does not trust. Someone may be intercepting the connection, or the certificate authority is not installed here.`, 'Do not continue on this network. Tell your helpdesk: this computer does not trust the password service\'s certificate.'],
      expired: (f) => [`The server's certificate expired on ${f.validTo}.`, 'Tell your helpdesk: the password service\'s certificate has expired.'],
      notYetValid: () => ['The server\'s certificate is not valid yet. Often this computer\'s date is wrong.', 'Check this computer\'s date and time, then run the check again.'],
      hostMismatch: (f) => [`The server's certificate is for ${f.subject}, not for ${f.host}.`, 'Tell your helpdesk: the password service\'s certificate does not match its address.'],
      failed: (f) => [`A secure connection could not be set up (${f.error}).`, 'Tell your helpdesk; a proxy or firewall may be interfering.'],
    },
    'api-version': {
      title: 'App and server versions',
      compatible: (f) => [`The server speaks version ${f.version} of the API, which this app understands.`, null],
      incompatible: (f) => [`The server speaks API version ${f.version}; this app needs version ${f.expected}.`, 'Update this app, or ask your IT department which version to use.'],
      notSspr: (f) => [`The address answered (HTTP ${f.status}), but not as a password service.`, 'Ask your IT department to check the server address set for this app.'],
      failed: (f) => [`The server's version could not be read (${f.error}).`, 'Run the check again; if it stays like this, give your helpdesk this report.'],
    },
    clock: {
      title: 'This computer\'s clock',
      inStep: (f) => [`This computer's clock agrees with the server's (${f.skew}).`, null],
      drifting: (f) => [`This computer's clock is ${f.skew} off the server's. Authenticator codes stop working past 30 seconds.`, 'Set the clock to update automatically (in the date and time settings).'],
      skewed: (f) => [`This computer's clock is ${f.skew} off the server's. Codes from an authenticator app will be refused.`, 'Correct this computer\'s date and time (turn on automatic time), or use a method other than the authenticator app.'],
      noDate: () => ['The server did not say its time, so the clocks could not be compared.', null],
    },
    ready: {
      title: 'The password service is ready',
      ready: () => ['The service says it is ready: its data and the company directory are reachable.', null],
      notReady: (f) => [`The service is running but not ready (${f.parts} not available). Resets cannot finish until it is.`, 'Try again in a few minutes. If it lasts, tell your helpdesk the password service is not ready.'],
      unexpected: (f) => [`The service answered its readiness check with HTTP ${f.status}.`, 'Try again in a few minutes; give your helpdesk this report if it lasts.'],
      failed: (f) => [`The service's readiness could not be read (${f.error}).`, 'Try again in a few minutes; give your helpdesk this report if it lasts.'],
    },
    keychain: {
      title: 'Keychain on this computer',
      available: (f) => [`The app can keep your sign-in in this computer's keychain (${f.binding}).`, null],
      unavailable: (f) => [`This computer's keychain cannot be used (${f.reason}): the app works, but remembers nothing, so you sign in each time and cannot approve resets on this device.`, 'Unlock or set up the keychain (on Linux: a Secret Service such as GNOME Keyring), then restart the app.'],
      notAtSignIn: () => ['At the sign-in screen nothing is kept, by design.', null],
    },
    account: {
      title: 'Your account',
      registered: (f) => [`${f.user} can reset their password here: the account is covered and its methods are registered (${f.registered} registered, ${f.required} needed).`, null],
      notSignedIn: () => ['Not checked: no one is signed in to the app.', 'Sign in to the app to check your own account.'],
      notInScope: (f) => [`${f.user} is not covered by self-service password reset.`, 'Ask your IT department to include your account, or call the helpdesk to reset it.'],
      notRegistered: (f) => [`${f.user} has registered ${f.registered} of the ${f.required} methods a reset needs.`, 'Register your methods in this app now, before you need them.'],
      offline: () => ['Not checked: the app is signed in offline, the server cannot be reached.', null],
      sharedMachine: () => ['Not checked: on a kiosk or at the sign-in screen no one signs in.', null],
      failed: (f) => [`Your account could not be checked (${f.error}).`, 'Sign in again, then run the check again.'],
    },
  },
};

const ja: DiagnosisText = {
  reportTitle: 'パスワードリセット診断レポート',
  checkedAt: '確認日時',
  app: 'アプリ',
  overall: '総合',
  whatToDo: '対処方法',
  verdicts: { ok: 'OK', warn: '注意', fail: '問題あり', skipped: '未確認' },
  skipped: (after) => [`「${after}」が成功しなかったため、確認していません。`, null],
  checks: {
    'server-url': {
      title: 'パスワードサービスのアドレス',
      set: (f) => [`このアプリは ${f.url} を使用しています。`, null],
      notConfigured: () => ['このアプリにはパスワードサービスのアドレスが設定されていません。', 'このコンピューターにサーバーのアドレスを設定するよう IT 部門に依頼してください。'],
      insecure: () => ['このアプリに設定されたアドレスは安全な (https://) アドレスではないため、使用できません。', 'パスワードサービスの https:// のアドレスを IT 部門に確認してください。'],
    },
    mode: {
      title: 'アプリの動作モード',
      desktop: () => ['デスクトップ: リセット、パスワード変更、認証方法の管理ができます。', null],
      kiosk: () => ['キオスク: パスワードのリセットのみ。しばらく操作がないと消去されます。', null],
      logon: () => ['コンピューターのサインイン画面から: パスワードのリセットのみ。何も保存しません。', null],
    },
    'managed-config': {
      title: '組織による設定',
      none: () => ['このコンピューターでは、組織はこのアプリに何も設定していません。', null],
      applied: (f) => [`組織が ${f.keys} を設定しています (${f.source})。`, null],
      problem: (f) => [`組織の設定 (${f.source}) を使用できないため、既定の設定で動作しています: ${f.problem}`, 'このコンピューターのアプリの管理設定が正しくないことを IT 部門に伝えてください。'],
    },
    proxy: {
      title: 'プロキシ',
      none: () => ['プロキシは設定されていません。サーバーに直接接続します。', null],
      inUse: (f) => [`アプリの通信はプロキシ ${f.proxy} を経由します (${f.variable} による設定)。以下の確認は直接接続するため、アプリでは成功する場合でも失敗することがあります。`, 'サーバーに接続できない場合は、プロキシがパスワードサービスへの接続を許可しているか IT 部門に確認してください。'],
      notUsed: (f) => [`プロキシ (${f.proxy}、${f.variable} による設定) がありますが、このアプリはサーバーに直接接続します。`, 'このネットワークで直接接続が許可されていない場合は、パスワードサービスへの直接接続を許可するか、プロキシを使うようにアプリを NODE_USE_ENV_PROXY=1 で起動するよう IT 部門に依頼してください。'],
      bypassed: (f) => [`プロキシ (${f.proxy}) が設定されていますが、このサーバーには使用しません (${f.variable})。`, null],
    },
    dns: {
      title: 'サーバーの検索 (DNS)',
      resolved: (f) => [`${f.host} が見つかりました: ${f.addresses}。`, null],
      literal: (f) => [`アドレス ${f.host} は検索の必要がありません。`, null],
      failed: (f) => [`名前 ${f.host} が見つかりません (${f.error})。このコンピューターがオフラインか、社内ネットワークの外にある可能性があります。`, 'ネットワーク (社外では VPN) に接続していることを確認し、もう一度確認してください。'],
    },
    tcp: {
      title: 'サーバーへの接続',
      connected: (f) => [`このコンピューターは ${f.host} のポート ${f.port} に接続できました。`, null],
      refused: (f) => [`${f.host} のポート ${f.port} は応答しません。パスワードサービスが停止しているか、ファイアウォールが接続を拒否しています。`, 'サービスが停止している可能性があります。後でもう一度お試しいただくか、パスワードサービスが応答しないことをヘルプデスクに伝えてください。'],
      timeout: (f) => [`${f.host} のポート ${f.port} から時間内に応答がありません。ファイアウォールかネットワークが接続を止めています。`, 'ネットワーク (と VPN) を確認してください。変わらない場合は、このレポートをヘルプデスクに渡してください。'],
      failed: (f) => [`${f.host} のポート ${f.port} への接続に失敗しました (${f.error})。`, 'ネットワーク (と VPN) を確認し、もう一度確認してください。'],
    },
    tls: {
      title: '安全な接続 (証明書)',
      valid: (f) => [`サーバーの証明書は ${f.host} に対して有効です。発行者: ${f.issuer}、有効期限: ${f.validTo}。`, null],
      plain: () => ['サーバーはこのコンピューター上で動作しているため、証明書は不要です。', null],
      untrusted: (f) => [`サーバーの証明書の発行者「${f.issuer}」は、このコンピューターで信頼されていません。通信が傍受されているか、認証局がインストールされていない可能性があります。`, 'このネットワークでは続行しないでください。このコンピューターがパスワードサービスの証明書を信頼していないことをヘルプデスクに伝えてください。'],
      expired: (f) => [`サーバーの証明書は ${f.validTo} に期限が切れています。`, 'パスワードサービスの証明書の期限が切れていることをヘルプデスクに伝えてください。'],
      notYetValid: () => ['サーバーの証明書はまだ有効になっていません。このコンピューターの日付が正しくないことがよくあります。', 'このコンピューターの日付と時刻を確認し、もう一度確認してください。'],
      hostMismatch: (f) => [`サーバーの証明書は ${f.subject} 用で、${f.host} 用ではありません。`, 'パスワードサービスの証明書がアドレスと一致しないことをヘルプデスクに伝えてください。'],
      failed: (f) => [`安全な接続を確立できませんでした (${f.error})。`, 'ヘルプデスクに伝えてください。プロキシやファイアウォールが妨げている可能性があります。'],
    },
    'api-version': {
      title: 'アプリとサーバーのバージョン',
      compatible: (f) => [`サーバーは API バージョン ${f.version} を使用しており、このアプリに対応しています。`, null],
      incompatible: (f) => [`サーバーの API バージョンは ${f.version} ですが、このアプリにはバージョン ${f.expected} が必要です。`, 'このアプリを更新するか、使用するバージョンを IT 部門に確認してください。'],
      notSspr: (f) => [`このアドレスは応答しましたが (HTTP ${f.status})、パスワードサービスではありません。`, 'このアプリに設定されたサーバーのアドレスを確認するよう IT 部門に依頼してください。'],
      failed: (f) => [`サーバーのバージョンを読み取れませんでした (${f.error})。`, 'もう一度確認してください。変わらない場合は、このレポートをヘルプデスクに渡してください。'],
    },
    clock: {
      title: 'このコンピューターの時計',
      inStep: (f) => [`このコンピューターの時計はサーバーと一致しています (${f.skew})。`, null],
      drifting: (f) => [`このコンピューターの時計はサーバーと ${f.skew} ずれています。30 秒を超えると認証アプリのコードが使えなくなります。`, '日付と時刻の設定で、時刻を自動的に合わせるようにしてください。'],
      skewed: (f) => [`このコンピューターの時計はサーバーと ${f.skew} ずれています。認証アプリのコードは拒否されます。`, 'このコンピューターの日付と時刻を正しく設定する (自動設定をオンにする) か、認証アプリ以外の方法を使ってください。'],
      noDate: () => ['サーバーが時刻を返さなかったため、時計を比較できませんでした。', null],
    },
    ready: {
      title: 'パスワードサービスの準備状態',
      ready: () => ['サービスは準備ができています。データと社内ディレクトリに接続できます。', null],
      notReady: (f) => [`サービスは動作していますが準備ができていません (${f.parts} が利用できません)。準備ができるまでリセットは完了しません。`, '数分後にもう一度お試しください。続く場合は、パスワードサービスの準備ができていないことをヘルプデスクに伝えてください。'],
      unexpected: (f) => [`サービスは準備状態の確認に HTTP ${f.status} で応答しました。`, '数分後にもう一度お試しください。続く場合は、このレポートをヘルプデスクに渡してください。'],
      failed: (f) => [`サービスの準備状態を読み取れませんでした (${f.error})。`, '数分後にもう一度お試しください。続く場合は、このレポートをヘルプデスクに渡してください。'],
    },
    keychain: {
      title: 'このコンピューターのキーチェーン',
      available: (f) => [`アプリはサインイン情報をこのコンピューターのキーチェーンに保存できます (${f.binding})。`, null],
      unavailable: (f) => [`このコンピューターのキーチェーンを使用できません (${f.reason})。アプリは動作しますが何も記憶しないため、毎回サインインが必要で、このデバイスでリセットを承認できません。`, 'キーチェーンのロックを解除するか設定し (Linux では GNOME Keyring などの Secret Service)、アプリを再起動してください。'],
      notAtSignIn: () => ['サインイン画面では、設計上何も保存しません。', null],
    },
    account: {
      title: 'あなたのアカウント',
      registered: (f) => [`${f.user} はここでパスワードをリセットできます。アカウントは対象で、認証方法も登録済みです (登録 ${f.registered} 個、必要 ${f.required} 個)。`, null],
      notSignedIn: () => ['未確認: アプリに誰もサインインしていません。', 'ご自身のアカウントを確認するには、アプリにサインインしてください。'],
      notInScope: (f) => [`${f.user} はセルフサービスのパスワードリセットの対象ではありません。`, 'アカウントを対象に含めるよう IT 部門に依頼するか、ヘルプデスクに連絡してリセットしてください。'],
      notRegistered: (f) => [`${f.user} は、リセットに必要な ${f.required} 個の方法のうち ${f.registered} 個を登録しています。`, '必要になる前に、このアプリで認証方法を登録してください。'],
      offline: () => ['未確認: サーバーに接続できないため、オフラインでサインインしています。', null],
      sharedMachine: () => ['未確認: キオスクやサインイン画面では、誰もサインインしません。', null],
      failed: (f) => [`アカウントを確認できませんでした (${f.error})。`, 'もう一度サインインしてから、確認し直してください。'],
    },
  },
};

export const DIAGNOSIS_TEXT: Record<Locale, DiagnosisText> = { en, ja };
