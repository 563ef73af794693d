/**
 * Does Japanese text render as glyphs, not as the empty boxes a missing font gives? Two
 * independent looks: the pixels Chromium draws for each character in the element's own
 * font stack (a box is the same bitmap for every character, and the same as an unassigned
 * code point's), and the platform fonts Chromium actually used for the element's text.
 */
import { expect, type Page } from '@playwright/test';

/** The Japanese UI fonts the renderer's and console's stacks name (Windows, macOS, Linux). */
const JAPANESE_UI_FONTS = ['Yu Gothic UI', 'Meiryo', 'Hiragino Sans', 'Noto Sans CJK JP'];

/** Characters of the first element matching `selector` that draw as a box (or as nothing). */
// Runs in the page (a string: the test project's types have no DOM).
const BOXED_CHARACTERS = `(sel) => {
  const el = document.querySelector(sel);
  if (!el) throw new Error('no element ' + sel);
  const style = getComputedStyle(el);
  const canvas = document.createElement('canvas');
  canvas.width = 48;
  canvas.height = 48;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const bitmap = (ch) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = style.fontWeight + ' 32px ' + style.fontFamily;
    ctx.fillText(ch, 4, 38);
    return Array.from(ctx.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3)).join(',');
  };
  const blank = bitmap('');
  // U+0378 is unassigned: every font draws its "missing glyph" for it.
  const missing = bitmap('\\u0378');
  const wide = [...new Set([...(el.textContent || '')].filter((c) => c.codePointAt(0) >= 0x2e80))];
  const drawn = wide.map((c) => [c, bitmap(c)]);
  // Several characters, one bitmap: the same box drawn for each.
  if (drawn.length > 2 && new Set(drawn.map(([, b]) => b)).size === 1) return wide;
  return drawn.filter(([, b]) => b === blank || b === missing).map(([c]) => c);
}`;

/** Characters of the first element matching `selector` that draw as a box (or as nothing). */
export async function boxedCharacters(page: Page, selector: string): Promise<string[]> {
  return page.evaluate<string[]>(`(${BOXED_CHARACTERS})(${JSON.stringify(selector)})`);
}

/** The family names of the platform fonts Chromium used for an element's own text. */
async function platformFonts(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => f.familyName);
  } finally {
    await cdp.detach();
  }
}

/** R20: the element's Japanese characters render as glyphs, drawn from a Japanese UI font of the stack. */
export async function expectJapaneseRenders(page: Page, selector: string): Promise<void> {
  expect(await boxedCharacters(page, selector), `Japanese characters drawn as boxes in ${selector}`).toEqual([]);
  const used = await platformFonts(page, selector);
  expect(used.filter((f) => JAPANESE_UI_FONTS.includes(f)), `fonts used for ${selector}: ${used.join(', ')}`).not.toEqual([]);
}
