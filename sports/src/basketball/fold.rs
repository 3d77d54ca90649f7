//! Folding a validated event into the basketball state.

use super::event::{Event, MatchInfo, SHOT_CLOCK, SHOT_CLOCK_RESET};
use super::rules::{RuleError, event_clock};
use super::state::{Finish, Info, LeadPoint, Play, Row, ShotClock, State};
use super::text;
use crate::delta::Touched;
use crate::engine::Status;

/// Rows are keyed by (side, row index).
pub(crate) type Rows = Touched<(usize, usize)>;

/// `match_start` must name two different sides, each with five different
/// starters from a roster of unique names.
pub(crate) fn check_info(info: &MatchInfo) -> Result<(), RuleError> {
    let bad = |reason: String| Err(RuleError::BadMatchInfo { reason });
    if info.teams.len() != 2 || info.teams[0].name == info.teams[1].name {
        let names: Vec<&str> = info.teams.iter().map(|t| t.name.as_str()).collect();
        return bad(format!("exactly two different teams needed, got {names:?}"));
    }
    for t in &info.teams {
        let mut names: Vec<&str> = t.players.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("{} list {:?} twice", t.name, w[0]));
        }
        let mut starters: Vec<&String> = t.starters.iter().collect();
        starters.sort_unstable();
        starters.dedup();
        if starters.len() != 5 || t.starters.len() != 5 {
            return bad(format!("{} must name five different starters", t.name));
        }
        if let Some(s) = t.starters.iter().find(|s| !t.players.iter().any(|p| &p.name == *s)) {
            return bad(format!("starter {s:?} is not on the {} roster", t.name));
        }
    }
    Ok(())
}

impl State {
    pub(super) fn ix(&self, team: &str) -> usize {
        self.side(team).unwrap_or(0)
    }

    pub(super) fn rx(&self, s: usize, player: &str) -> usize {
        self.row(s, player).unwrap_or(0)
    }

    /// Change row `k` of side `s`, recording it for the patch first.
    pub(super) fn player(&mut self, t: &mut Rows, s: usize, k: usize) -> &mut Row {
        t.row((s, k), || self.rows[s][k].to_json());
        &mut self.rows[s][k]
    }

    pub(super) fn play(&mut self, seq: u64, ts: i64, team: Option<usize>, kind: &str, text: String, points: u32) {
        let clock = self.running.then_some(self.clock);
        let (period, score) = (self.period, self.score);
        self.plays.push(Play { seq, ts, period, clock, team, kind: kind.into(), text, points, score });
    }

    /// Give the ball to side `s`, resetting the shot clock when it changes hands.
    pub(super) fn give(&mut self, s: usize) {
        if self.possession != Some(s) {
            self.shot = Some(ShotClock { at: self.clock, length: SHOT_CLOCK });
        }
        self.possession = Some(s);
        self.loose = None;
    }

    /// `points` for side `s` by row `k`: score, period score, plus-minus, lead tracker.
    fn score(&mut self, t: &mut Rows, seq: u64, s: usize, k: usize, points: u32) {
        self.score[s] += points;
        if let Some(p) = self.by_period.last_mut() {
            p[s] += points;
        }
        self.player(t, s, k).pts += points;
        for side in 0..2 {
            for i in 0..self.rows[side].len() {
                if self.rows[side][i].on_court {
                    let d = i64::from(points);
                    self.player(t, side, i).pm += if side == s { d } else { -d };
                }
            }
        }
        let (period, clock, elapsed, score) = (self.period, self.clock, self.elapsed(), self.score);
        self.lead.push(LeadPoint { seq, period, clock, elapsed, score });
    }

    pub(crate) fn fold(&mut self, ev: &Event, seq: u64, ts: i64, t: &mut Rows) {
        if self.running
            && let Some(c) = event_clock(ev)
        {
            self.clock = c;
        }
        match ev {
            Event::MatchStart(info) => {
                self.start(info);
                t.all = true;
                self.play(seq, ts, None, "match_start", text::match_start(info), 0);
            }
            Event::PeriodStart { period, possession } => self.period_start(*period, possession, seq, ts, t),
            Event::PeriodEnd { period } => self.period_end(*period, seq, ts, t),
            Event::FieldGoal { team, player, points, made, assist, blocked_by, .. } => {
                let s = self.ix(team);
                let k = self.rx(s, player);
                let r = self.player(t, s, k);
                r.fga += 1;
                r.tpa += u32::from(*points == 3);
                if *made {
                    r.fgm += 1;
                    r.tpm += u32::from(*points == 3);
                    self.score(t, seq, s, k, *points);
                    self.give(1 - s);
                } else {
                    self.loose = Some(s);
                    self.possession = None;
                }
                if let Some(a) = assist {
                    let ka = self.rx(s, a);
                    self.player(t, s, ka).ast += 1;
                }
                if let Some(b) = blocked_by {
                    let kb = self.rx(1 - s, b);
                    self.player(t, 1 - s, kb).blk += 1;
                }
                let text = text::field_goal(self, player, *points, *made, assist.as_deref(), blocked_by.as_deref());
                self.play(seq, ts, Some(s), "field_goal", text, if *made { *points } else { 0 });
            }
            Event::FreeThrow { team, player, made, attempt, of, .. } => {
                let s = self.ix(team);
                let k = self.rx(s, player);
                self.player(t, s, k).fta += 1;
                if *made {
                    self.player(t, s, k).ftm += 1;
                    self.score(t, seq, s, k, 1);
                }
                if attempt == of {
                    if *made {
                        self.give(1 - s);
                    } else {
                        self.loose = Some(s);
                        self.possession = None;
                    }
                }
                let what = if *made { "makes" } else { "misses" };
                let text = format!("{player} {what} free throw {attempt} of {of}");
                self.play(seq, ts, Some(s), "free_throw", text, u32::from(*made));
            }
            Event::Rebound { team, player, .. } => {
                let s = self.ix(team);
                let offensive = self.loose == Some(s);
                match player {
                    Some(p) => {
                        let k = self.rx(s, p);
                        let r = self.player(t, s, k);
                        if offensive { r.oreb += 1 } else { r.dreb += 1 }
                    }
                    None => self.team_rebounds[s] += 1,
                }
                if offensive {
                    self.possession = Some(s);
                    self.loose = None;
                    self.shot = Some(ShotClock { at: self.clock, length: SHOT_CLOCK_RESET });
                } else {
                    self.give(s);
                }
                let text = text::rebound(self, s, player.as_deref(), offensive);
                self.play(seq, ts, Some(s), "rebound", text, 0);
            }
            Event::Turnover { team, player, kind, stolen_by, .. } => {
                let s = self.ix(team);
                if let Some(p) = player {
                    let k = self.rx(s, p);
                    self.player(t, s, k).tov += 1;
                }
                if let Some(p) = stolen_by {
                    let k = self.rx(1 - s, p);
                    self.player(t, 1 - s, k).stl += 1;
                }
                self.give(1 - s);
                let text = text::turnover(self, s, player.as_deref(), *kind, stolen_by.as_deref());
                self.play(seq, ts, Some(s), "turnover", text, 0);
            }
            Event::Foul { team, player, kind, .. } => self.foul(team, player, *kind, seq, ts, t),
            Event::Timeout { team, .. } => {
                let s = self.ix(team);
                self.timeouts[s] -= 1;
                let text = format!("Timeout: {team} ({} left)", self.timeouts[s]);
                self.play(seq, ts, Some(s), "timeout", text, 0);
            }
            Event::Substitution { team, player_in, player_out, .. } => {
                let s = self.ix(team);
                let (ko, ki) = (self.rx(s, player_out), self.rx(s, player_in));
                let (running, clock) = (self.running, self.clock);
                let r = self.player(t, s, ko);
                r.on_court = false;
                if running {
                    r.secs += r.since.saturating_sub(clock);
                }
                let r = self.player(t, s, ki);
                r.on_court = true;
                r.since = clock;
                let text = format!("Substitution, {team}: {player_in} in for {player_out}");
                self.play(seq, ts, Some(s), "substitution", text, 0);
            }
            Event::Abandoned { reason } => {
                self.running = false;
                let text = format!("Game abandoned: {reason}");
                self.result = Some(Finish { status: Status::Abandoned, winner: None, text: text.clone() });
                self.play(seq, ts, None, "abandoned", text, 0);
            }
        }
    }

    fn start(&mut self, info: &MatchInfo) {
        self.info = Some(Info {
            teams: info.teams.iter().map(|t| t.name.clone()).collect(),
            codes: info
                .teams
                .iter()
                .map(|t| t.code.clone().unwrap_or_else(|| crate::football::code(&t.name)))
                .collect(),
            rules: info.rules,
            title: info.title.clone(),
            venue: info.venue.clone(),
            date: info.date.clone(),
        });
        for (s, team) in info.teams.iter().enumerate() {
            self.rows[s] = team
                .players
                .iter()
                .map(|p| {
                    let starter = team.starters.contains(&p.name);
                    Row {
                        name: p.name.clone(),
                        number: p.number,
                        position: Some(p.position),
                        starter,
                        on_court: starter,
                        ..Row::default()
                    }
                })
                .collect();
        }
    }
}
