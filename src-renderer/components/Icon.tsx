/** Small line icons as SVG (system fonts lack many symbol glyphs); always decorative. */
const PATHS = {
  mail: 'M3 6h18v12H3z M3 7l9 6 9-6',
  sms: 'M4 5h16v11H9l-5 4z M8 10h8 M8 13h5',
  call: 'M6 3h4l2 5-3 2a11 11 0 0 0 5 5l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 4 5a2 2 0 0 1 2-2z',
  app: 'M7 2h10v20H7z M10 18h4 M12 7v4l2 2',
  push: 'M7 2h10v20H7z M9.5 11.5l2 2 3.5-4',
  question: 'M9 9a3 3 0 1 1 4 2.8c-.7.3-1 .9-1 1.7V15 M12 18.5v.5 M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20z',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  pause: 'M9 6v12 M15 6v12',
  clock: 'M12 7v5l3 3 M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z',
  warning: 'M12 3l10 18H2z M12 10v5 M12 18v.5',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg className={className ? `icon ${className}` : 'icon'} viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
