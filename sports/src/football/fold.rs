//! Folding a validated event into the football state.

use super::event::{CardColor, Event, GoalKind, Period, ShotOutcome};
use super::state::{
    Comment, Dismissal, Finish, KeyEvent, Kick, PeriodRecord, Phase, PlayerRow, Shootout, State, clock_text,
};
use super::text;
use crate::delta::Touched;
use crate::engine::Status;

/// Rows are keyed by (side, row index).
pub(crate) type Rows = Touched<(usize, usize)>;

impl State {
    fn comment(&mut self, seq: u64, ts: i64, team: Option<usize>, kind: &'static str, text: String) {
        let clock = match self.phase {
            Phase::Playing(p) if p != Period::Shootout => Some(clock_text(self.clock.0, self.clock.1)),
            _ => None,
        };
        self.commentary.push(Comment { seq, ts, clock, team, kind: kind.into(), text });
    }

    fn key(&mut self, seq: u64, team: Option<usize>, kind: &'static str, player: Option<&str>, other: Option<&str>) {
        let (minute, added) = self.clock;
        self.timeline.push(KeyEvent {
            seq,
            clock: clock_text(minute, added),
            minute,
            added,
            team,
            kind: kind.into(),
            player: player.map(String::from),
            other: other.map(String::from),
            score: self.score,
        });
    }

    /// Change row `k` of side `s`, recording it for the patch first.
    fn player(&mut self, t: &mut Rows, s: usize, k: usize) -> &mut PlayerRow {
        t.row((s, k), || self.players[s][k].to_json());
        &mut self.players[s][k]
    }

    /// Side index of a validated team name.
    fn ix(&self, team: &str) -> usize {
        self.side(team).unwrap_or(0)
    }

    /// Row index of a validated player name.
    fn rx(&self, s: usize, player: &str) -> usize {
        self.row(s, player).unwrap_or(0)
    }

    pub(crate) fn fold(&mut self, ev: &Event, seq: u64, ts: i64, t: &mut Rows) {
        if let Some(c) = super::rules::event_clock(ev) {
            self.clock = c;
        }
        match ev {
            Event::MatchStart(info) => {
                self.start(info);
                t.all = true;
                let text = text::match_start(info);
                self.comment(seq, ts, None, "match_start", text);
            }
            Event::PeriodStart { period } => {
                self.phase = Phase::Playing(*period);
                self.stoppage = None;
                self.period_ts = ts;
                if *period == Period::Shootout {
                    self.shootout = Some(Shootout::default());
                } else {
                    self.clock = (self.bounds(*period).0 + 1, 0);
                }
                self.periods.push(PeriodRecord { period: *period, goals: [0, 0], end: None });
                self.comment(seq, ts, None, "period_start", text::period_start(*period).into());
            }
            Event::StoppageTime { minutes } => {
                self.stoppage = Some(*minutes);
                self.comment(seq, ts, None, "stoppage_time", text::stoppage(*minutes));
            }
            Event::PeriodEnd { period, minute, added } => {
                self.phase = Phase::Break(*period);
                if let Some(p) = self.periods.last_mut() {
                    p.end = Some(clock_text(*minute, *added));
                }
                self.key(seq, None, "period_end", None, None);
                self.decide_after(*period);
                let text = text::period_end(self, *period);
                self.comment(seq, ts, None, "period_end", text);
            }
            Event::Goal { team, scorer, assist, kind, .. } => {
                let s = self.ix(team);
                self.score[s] += 1;
                if let Some(p) = self.periods.last_mut() {
                    p.goals[s] += 1;
                }
                if *kind == GoalKind::OwnGoal {
                    let k = self.rx(1 - s, scorer);
                    self.player(t, 1 - s, k).own_goals += 1;
                } else {
                    self.stats[s].shots += 1;
                    self.stats[s].on_target += 1;
                    let k = self.rx(s, scorer);
                    let p = self.player(t, s, k);
                    p.goals += 1;
                    p.shots += 1;
                }
                if let Some(a) = assist {
                    let k = self.rx(s, a);
                    self.player(t, s, k).assists += 1;
                }
                let key = match kind {
                    GoalKind::OwnGoal => "own_goal",
                    GoalKind::Penalty => "penalty_goal",
                    _ => "goal",
                };
                self.key(seq, Some(s), key, Some(scorer), assist.as_deref());
                let text = text::goal(self, s, scorer, assist.as_deref(), *kind);
                self.comment(seq, ts, Some(s), "goal", text);
            }
            Event::Shot { team, player, outcome, penalty, .. } => {
                let s = self.ix(team);
                self.stats[s].shots += 1;
                if *outcome == ShotOutcome::Saved {
                    self.stats[s].on_target += 1;
                    self.stats[1 - s].saves += 1;
                }
                let k = self.rx(s, player);
                self.player(t, s, k).shots += 1;
                if *penalty {
                    self.key(seq, Some(s), "penalty_miss", Some(player), None);
                }
                let text = text::shot(self, s, player, *outcome, *penalty);
                self.comment(seq, ts, Some(s), "shot", text);
            }
            Event::Card { team, player, card, .. } => {
                let s = self.ix(team);
                let k = self.rx(s, player);
                let p = self.player(t, s, k);
                let kind = match card {
                    CardColor::Yellow if p.yellow >= 1 => {
                        p.yellow += 1;
                        p.red = Some(Dismissal::SecondYellow);
                        "second_yellow"
                    }
                    CardColor::Yellow => {
                        p.yellow += 1;
                        "yellow"
                    }
                    CardColor::Red => {
                        p.red = Some(Dismissal::Red);
                        "red"
                    }
                };
                let sent_off = p.red.is_some();
                p.on_pitch &= !sent_off;
                self.stats[s].yellow += u32::from(*card == CardColor::Yellow);
                self.stats[s].red += u32::from(sent_off);
                self.key(seq, Some(s), kind, Some(player), None);
                let text = text::card(self, s, player, kind);
                self.comment(seq, ts, Some(s), "card", text);
            }
            Event::Substitution { team, off, on, .. } => {
                let s = self.ix(team);
                let when = clock_text(self.clock.0, self.clock.1);
                let (ko, kn) = (self.rx(s, off), self.rx(s, on));
                let p = self.player(t, s, ko);
                p.on_pitch = false;
                p.off = Some(when.clone());
                let p = self.player(t, s, kn);
                p.on_pitch = true;
                p.on = Some(when);
                self.stats[s].subs += 1;
                self.key(seq, Some(s), "substitution", Some(on), Some(off));
                let text = format!("Substitution, {}: {on} replaces {off}", self.teams_list()[s]);
                self.comment(seq, ts, Some(s), "substitution", text);
            }
            Event::Corner { team, .. } => {
                let s = self.ix(team);
                self.stats[s].corners += 1;
                let text = format!("Corner, {}", self.teams_list()[s]);
                self.comment(seq, ts, Some(s), "corner", text);
            }
            Event::Foul { team, player, .. } => {
                let s = self.ix(team);
                self.stats[s].fouls += 1;
                let text = format!("Foul by {player} ({})", self.teams_list()[s]);
                self.comment(seq, ts, Some(s), "foul", text);
            }
            Event::Offside { team, player, .. } => {
                let s = self.ix(team);
                self.stats[s].offsides += 1;
                let text = format!("Offside, {}: {player} is caught offside", self.teams_list()[s]);
                self.comment(seq, ts, Some(s), "offside", text);
            }
            Event::Possession { home, .. } => {
                self.possession = Some(*home);
                let text = text::possession(self, *home);
                self.comment(seq, ts, None, "possession", text);
            }
            Event::ShootoutKick { team, player, scored } => {
                let s = self.ix(team);
                if let Some(so) = &mut self.shootout {
                    so.first.get_or_insert(s);
                    so.kicks[s].push(Kick { player: player.clone(), scored: *scored });
                }
                let winner = self.shootout.as_ref().and_then(Shootout::winner);
                if let Some(w) = winner {
                    self.finish(Some(w), Some(Period::Shootout));
                }
                let text = text::kick(self, s, player, *scored);
                self.comment(seq, ts, Some(s), "shootout_kick", text);
            }
            Event::Abandoned { reason } => {
                let last = self.periods.last().map(|p| p.period);
                self.phase = Phase::Finished;
                let text = format!("Match abandoned: {reason}");
                self.result = Some(Finish { status: Status::Abandoned, winner: None, text: text.clone(), last });
                self.comment(seq, ts, None, "abandoned", text);
            }
        }
    }

    /// After the whistle ending `period`: is the match decided?
    fn decide_after(&mut self, period: Period) {
        let level = self.score[0] == self.score[1];
        let knockout = self.info.as_ref().is_some_and(|i| i.knockout);
        let decided = match period {
            Period::SecondHalf => !knockout || !level,
            Period::ExtraTimeSecond => !level,
            _ => false,
        };
        if decided {
            let winner = (!level).then(|| usize::from(self.score[1] > self.score[0]));
            self.finish(winner, Some(period));
        }
    }

    fn finish(&mut self, winner: Option<usize>, last: Option<Period>) {
        self.phase = Phase::Finished;
        let text = text::result(self, winner, last);
        self.result = Some(Finish { status: Status::Completed, winner, text, last });
    }
}
