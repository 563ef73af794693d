import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A screen's h1. It takes focus when the screen appears (unless the screen focuses an input
 * itself), so keyboard and screen-reader users start at the top of the new screen.
 */
export function ScreenHeading({ children, focus = true, id }: { children: ReactNode; focus?: boolean; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <h1 ref={ref} tabIndex={-1} id={id} className="screen-heading">
      {children}
    </h1>
  );
}
