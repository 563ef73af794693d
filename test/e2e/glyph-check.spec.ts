import { expect, test } from '@playwright/test';
import { boxedCharacters, expectJapaneseRenders } from '../helpers/glyphs.js';

// The Japanese-rendering check must be able to fail: Private Use Area characters have a
// glyph in no installed font, so Chromium draws boxes for them.
test('R20: the glyph check reports characters drawn as boxes', async ({ page }) => {
  await page.setContent('<p id="boxes">\uE000\uE001\uE002</p><p id="kana">パスワードのリセット</p>');
  expect(await boxedCharacters(page, '#boxes')).toEqual(['\uE000', '\uE001', '\uE002']);
  await expect(expectJapaneseRenders(page, '#boxes')).rejects.toThrow(/drawn as boxes/);
  expect(await boxedCharacters(page, '#kana')).toEqual([]);
});
