import type { Page } from '@playwright/test';
import type { E2eHost } from '../e2e-host/host.js';
import { addResetUser, expect, mailbox, screen, shot, test } from './fixtures.js';
import { expectJapaneseRenders } from '../helpers/glyphs.js';

test.use({ locale: 'ja-JP', hostOptions: { locale: 'ja' } });

const RECOVERY_EMAIL = 'taro.home@example.net';

// Set up before the page opens: main caches the public policy for a few minutes.
test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
    p.branding.organizationName = '株式会社サンプル';
    p.branding.contactAdmin = 'helpdesk@sample.example';
  });
  await addResetUser(host, 'taro', RECOVERY_EMAIL, { displayName: '山田 太郎' });
});

/** Taro's whole reset in Japanese, by emailed code: the done screen. */
async function resetToDone(app: Page, host: E2eHost): Promise<void> {
  const mail = mailbox(host);
  await app.getByRole('button', { name: 'パスワードを忘れた、またはロックされた場合' }).click();
  await app.getByLabel('ユーザー名').fill('taro');
  await app.keyboard.press('Enter');
  await app.getByRole('button', { name: /にコードをメールで送る/ }).click();
  await app.getByLabel('コード').fill(await mail.nextCode(RECOVERY_EMAIL));
  await app.getByRole('textbox', { name: '新しいパスワード' }).fill('Yozakura-Kawa-58');
  await app.getByRole('textbox', { name: 'もう一度入力' }).fill('Yozakura-Kawa-58');
  await app.getByRole('button', { name: 'パスワードをリセット' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('パスワードをリセットしました');
}

test.describe('R20: the UI follows a Japanese OS, codes arrive in Japanese, and the language can be switched', () => {
  test('R20: on a Japanese OS the sign-in screen is in Japanese, with the organisation\'s name', async ({ app }) => {
    await expect(app.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(app.getByRole('heading', { level: 1 })).toHaveText('サインイン');
    await expect(app.getByText('株式会社サンプル パスワード セルフサービス')).toBeVisible();
    await expectJapaneseRenders(app, 'h1');
    await shot(app, 'ja-sign-in');
  });

  test('R20: every reset screen and the code mail are in Japanese', async ({ app, host }) => {
    const recoveryEmail = RECOVERY_EMAIL;
    const mail = mailbox(host);
    await app.getByRole('button', { name: 'パスワードを忘れた、またはロックされた場合' }).click();
    await expect(app.getByRole('heading', { level: 1 })).toHaveText('パスワードのリセット');
    await app.getByLabel('ユーザー名').fill('taro');
    await app.keyboard.press('Enter');
    await expect(screen(app, 'reset-verify-1')).toBeVisible();
    await expect(app.getByText('確認方法を選んでください:')).toBeVisible();
    await expectJapaneseRenders(app, 'h1');
    await shot(app, 'ja-reset-methods');
    await app.getByRole('button', { name: /にコードをメールで送る/ }).click();
    await expect(app.getByText(/に 6 桁のコードを送りました。/)).toBeVisible();
    await expect(app.getByText(/helpdesk@sample\.example にお問い合わせください/)).toBeVisible();
    await expectJapaneseRenders(app, 'h1');
    await shot(app, 'ja-reset-code');
    const code = await host.server.smtp.waitFor(recoveryEmail);
    expect(code.subject ?? '').toMatch(/[぀-ヿ一-龯]/);
    await app.getByLabel('コード').fill(await mail.nextCode(recoveryEmail));
    await expect(app.getByRole('heading', { level: 1 })).toHaveText('新しいパスワードの設定');
    await expect(app.getByText('8 文字以上にしてください。')).toBeVisible();
    await app.getByRole('textbox', { name: '新しいパスワード' }).fill('Yozakura-Kawa-58');
    await app.getByRole('textbox', { name: 'もう一度入力' }).fill('Yozakura-Kawa-58');
    await expectJapaneseRenders(app, 'h1');
    await shot(app, 'ja-reset-password');
    await app.getByRole('button', { name: 'パスワードをリセット' }).click();
    await expect(app.getByRole('heading', { level: 1 })).toHaveText('パスワードをリセットしました');
    await expect(app.getByText('パスワードをリセットし、アカウントのロックを解除しました。')).toBeVisible();
    await expectJapaneseRenders(app, 'h1');
    await shot(app, 'ja-reset-done');
  });

  test('R20: the language switches to English and back at once', async ({ app, host }) => {
    await resetToDone(app, host);
    // Switch to English and back: everything follows at once.
    await app.getByRole('button', { name: '表示言語を英語に切り替える' }).click();
    await expect(app.getByRole('heading', { level: 1 })).toHaveText('Your password is reset');
    await expect(app.locator('html')).toHaveAttribute('lang', 'en');
    // The switch back reads 日本語 on every English screen.
    await expectJapaneseRenders(app, '.lang-switch');
    await app.getByRole('button', { name: 'Switch the language to Japanese' }).click();
    await expect(app.getByRole('heading', { level: 1 })).toHaveText('パスワードをリセットしました');
  });
});
