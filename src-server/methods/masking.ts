/** Masked hints shown before the user has proved anything (`a•••@example.com`). */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${[...address][0]}•••${address.slice(at)}`;
}

/** `+81 9012345678` → `+81 ••• •••• ••78`. */
export function maskPhone(number: string): string {
  const m = /^(\+\d{1,3}) ?(\d+)$/.exec(number.trim());
  if (!m) return '•••';
  const last2 = m[2]!.slice(-2);
  return `${m[1]} ••• •••• ••${last2}`;
}
