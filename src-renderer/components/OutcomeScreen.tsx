import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.js';
import { ScreenHeading } from './ScreenHeading.js';

/**
 * A screen that tells an outcome — done, paused, expired, unavailable: a mark, a heading, a
 * lead sentence, then whatever the outcome needs and its actions.
 */
export function OutcomeScreen(props: {
  screen: string;
  kind: 'done' | 'problem';
  icon: IconName;
  title: string;
  lead: ReactNode;
  children: ReactNode;
}) {
  const titleId = `${props.screen}-title`;
  return (
    <section className={props.kind === 'done' ? 'screen screen-done' : 'screen'} data-screen={props.screen} aria-labelledby={titleId}>
      <div className={props.kind === 'done' ? 'done-mark' : 'problem-mark'}>
        <Icon name={props.icon} />
      </div>
      <ScreenHeading id={titleId}>{props.title}</ScreenHeading>
      {/* A done screen announces its result; a problem screen's heading already takes focus. */}
      <p className="lead" role={props.kind === 'done' ? 'status' : undefined}>
        {props.lead}
      </p>
      {props.children}
    </section>
  );
}
