/**
 * The code in what was typed or pasted, at most `length` digits: "123 456", "123-456",
 * full-width "１２３４５６", and a pasted line of mail text ("Your code is 123456, valid 5
 * minutes") all give the code.
 */
export function digitsOf(text: string, length: number): string {
  const normalized = text.normalize('NFKC');
  const group = new RegExp(`(?<!\\d)(\\d[ -]?){${length - 1}}\\d(?!\\d)`).exec(normalized);
  if (group && /\D/.test(normalized.replace(/[ -]/g, '')) ) return group[0].replace(/\D/g, '');
  return normalized.replace(/\D/g, '').slice(0, length);
}
