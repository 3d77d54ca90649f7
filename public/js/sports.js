// The sports the viewer knows: a label, an icon and a match page each.
// Adding a sport is one entry here and its view module.

import { MatchView } from './match.js';
import { FootballView } from './football.js';
import { BasketballView } from './basketball.js';
import { TennisView } from './tennis.js';
import { GenericView } from './sportview.js';

const ICONS = {
  cricket: '<svg viewBox="0 0 24 24" class="sport-svg"><circle cx="12" cy="12" r="9"/><path d="M6.5 6.5c3 2.5 8 8 11 11M8.5 4.8c3 2.6 8 8 10.7 10.7" stroke-dasharray="1.6 1.6"/></svg>',
  football: '<svg viewBox="0 0 24 24" class="sport-svg"><circle cx="12" cy="12" r="9"/><path d="M12 8.2l3.6 2.6-1.4 4.2H9.8L8.4 10.8z" class="fill"/><path d="M12 8.2V3.2M15.6 10.8l4.6-1.6M14.2 15l2.8 3.9M9.8 15L7 18.9M8.4 10.8L3.8 9.2"/></svg>',
  basketball: '<svg viewBox="0 0 24 24" class="sport-svg"><circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3v18M5.6 5.6c3 3 3 9.8 0 12.8M18.4 5.6c-3 3-3 9.8 0 12.8"/></svg>',
  tennis: '<svg viewBox="0 0 24 24" class="sport-svg"><circle cx="12" cy="12" r="9"/><path d="M5.2 5.8c3.4 3.3 3.4 9.1 0 12.4M18.8 5.8c-3.4 3.3-3.4 9.1 0 12.4"/></svg>',
};

/** sport name → {label, icon (SVG markup, decorative), View}. */
export const SPORTS = {
  cricket: { label: 'Cricket', icon: ICONS.cricket, View: MatchView },
  football: { label: 'Football', icon: ICONS.football, View: FootballView },
  basketball: { label: 'Basketball', icon: ICONS.basketball, View: BasketballView },
  tennis: { label: 'Tennis', icon: ICONS.tennis, View: TennisView },
};

/**
 * The sport of a snapshot or lobby entry: cricket when it does not say
 * (data from before there were other sports), else its own name.
 */
export function sportOf(x) {
  const s = x && typeof x === 'object' ? x.sport : x;
  return typeof s === 'string' && s ? s : 'cricket';
}

/** The match page class for a sport: a plain summary-and-commentary page for one this build does not know. */
export function viewFor(sport) {
  return Object.prototype.hasOwnProperty.call(SPORTS, sport) ? SPORTS[sport].View : GenericView;
}

/** The label shown for a sport ("Football"); unknown sports keep their own name. */
export function sportLabel(sport) {
  if (Object.prototype.hasOwnProperty.call(SPORTS, sport)) return SPORTS[sport].label;
  const t = String(sport || '');
  return t ? t[0].toUpperCase() + t.slice(1) : '';
}
