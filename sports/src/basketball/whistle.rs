//! The whistles: periods starting and ending (minutes, timeouts, team
//! fouls, the final result) and fouls (counts, foul-outs, ejections, the
//! ball and the shot clock after them).

use super::event::{FoulKind, Ruleset, SHOT_CLOCK_RESET};
use super::fold::Rows;
use super::state::{Finish, Out, ShotClock, State};
use super::text;
use crate::engine::Status;

impl State {
    pub(super) fn period_start(&mut self, period: u32, possession: &str, seq: u64, ts: i64, t: &mut Rows) {
        let rules = self.rules();
        self.period = period;
        self.running = true;
        self.clock = rules.period_secs(period);
        self.period_ts = ts;
        self.by_period.push([0, 0]);
        if !(rules == Ruleset::Fiba && period > 4) {
            self.team_fouls = [0, 0];
        }
        if let Some(n) = self.timeouts_for(period) {
            self.timeouts = [n, n];
        }
        for s in 0..2 {
            for k in 0..self.rows[s].len() {
                if self.rows[s][k].on_court {
                    let clock = self.clock;
                    self.player(t, s, k).since = clock;
                }
            }
        }
        self.possession = None;
        let s = self.ix(possession);
        self.give(s);
        let text = text::period_start(period, possession);
        self.play(seq, ts, Some(s), "period_start", text, 0);
    }

    pub(super) fn period_end(&mut self, period: u32, seq: u64, ts: i64, t: &mut Rows) {
        for s in 0..2 {
            for k in 0..self.rows[s].len() {
                if self.rows[s][k].on_court {
                    let r = self.player(t, s, k);
                    r.secs += r.since;
                    r.since = 0;
                }
            }
        }
        self.clock = 0;
        self.running = false;
        self.possession = None;
        self.loose = None;
        self.shot = None;
        if period >= 4 && self.score[0] != self.score[1] {
            let w = usize::from(self.score[1] > self.score[0]);
            let text = text::result(self, w);
            self.result = Some(Finish { status: Status::Completed, winner: Some(w), text });
        }
        let text = text::period_end(self, period);
        self.play(seq, ts, None, "period_end", text, 0);
    }

    pub(super) fn foul(&mut self, team: &str, player: &str, kind: FoulKind, seq: u64, ts: i64, t: &mut Rows) {
        let rules = self.rules();
        let s = self.ix(team);
        let k = self.rx(s, player);
        let personal = kind != FoulKind::Technical || rules == Ruleset::Fiba;
        let r = self.player(t, s, k);
        if kind == FoulKind::Technical {
            r.tech += 1;
        }
        if personal {
            r.pf += 1;
        }
        if kind == FoulKind::Offensive {
            r.tov += 1;
        }
        let (pf, tech) = (r.pf, r.tech);
        if pf >= rules.foul_limit() {
            r.out = Some(Out::FouledOut);
        } else if tech >= 2 {
            r.out = Some(Out::Ejected);
        }
        let team_foul = match kind {
            FoulKind::Technical => false,
            FoulKind::Offensive => rules == Ruleset::Fiba,
            _ => true,
        };
        self.team_fouls[s] += u32::from(team_foul);
        if kind != FoulKind::Technical {
            let before = self.possession;
            let left = self.shot_clock();
            self.give(1 - s);
            let defensive = before == Some(1 - s) && matches!(kind, FoulKind::Personal | FoulKind::Flagrant);
            if defensive && left.is_some_and(|l| l < SHOT_CLOCK_RESET) {
                self.shot = Some(ShotClock { at: self.clock, length: SHOT_CLOCK_RESET });
            }
        }
        let text = text::foul(self, s, k, kind);
        self.play(seq, ts, Some(s), "foul", text, 0);
    }
}
