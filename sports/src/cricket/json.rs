//! The snapshot's parts as typed views written straight as JSON text
//! ([`WriteJson`]): for the snapshot stored per batch and for the values of
//! patch ops, with no `serde_json::Value` tree built, serialized and
//! dropped.
//!
//! Each view writes exactly what the matching `to_json` (the `Value` the
//! [`State::snapshot`] document is made of) serializes to: fields are
//! listed in the sorted order in which `serde_json::Map` writes keys. The
//! oracle tests in `delta.rs` hold every patch and snapshot to it, byte for
//! byte.

use super::current::CurrentKey;
use super::event::{Extras, Format};
use super::scorecard::{BatterRow, BowlerRow, Fow, Header, Innings, OverSummary, Partnership, end_reason_str};
use super::state::{Comment, State, toss_text};
use super::text::{per_over, strike_rate};
use crate::engine::Status;
use crate::json_text::{WriteJson, json_object, push_u64};
use crate::sport::SnapshotMeta;

/// Overs as a scorecard writes them (`"18.1"`, `"20"`), written without
/// allocating (see [`super::text::overs_text`]).
#[derive(Clone, Copy)]
pub(crate) struct Overs {
    pub legal_balls: u32,
    pub bpo: u32,
}

impl WriteJson for Overs {
    fn write_json(&self, out: &mut String) {
        let bpo = self.bpo.max(1);
        let (o, b) = (self.legal_balls / bpo, self.legal_balls % bpo);
        out.push('"');
        push_u64(out, u64::from(o));
        if b != 0 {
            out.push('.');
            push_u64(out, u64::from(b));
        }
        out.push('"');
    }
}

impl WriteJson for Status {
    fn write_json(&self, out: &mut String) {
        out.push_str(match self {
            Status::Scheduled => "\"scheduled\"",
            Status::Live => "\"live\"",
            Status::Completed => "\"completed\"",
            Status::Abandoned => "\"abandoned\"",
        });
    }
}

/// A scorecard row (or commentary entry) with a JSON view of its own;
/// `bpo` is the match's balls per over, for the views that need it.
pub(crate) trait RowView {
    type View<'a>: WriteJson
    where
        Self: 'a;

    fn row_view(&self, bpo: u32) -> Self::View<'_>;
}

/// A JSON array of rows' views, written as it is iterated.
pub(crate) struct Rows<'a, T>(pub &'a [T], pub u32);

impl<T: RowView> WriteJson for Rows<'_, T> {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, row) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            row.row_view(self.1).write_json(out);
        }
        out.push(']');
    }
}

/// `impl RowView` for a row type whose view takes no `bpo` (`view()`) or
/// takes it (`view(bpo)`).
macro_rules! row_view {
    ($t:ty => $v:ident) => {
        impl RowView for $t {
            type View<'a> = $v<'a>;
            fn row_view(&self, _bpo: u32) -> $v<'_> {
                self.view()
            }
        }
    };
    ($t:ty => $v:ident with bpo) => {
        impl RowView for $t {
            type View<'a> = $v<'a>;
            fn row_view(&self, bpo: u32) -> $v<'_> {
                self.view(bpo)
            }
        }
    };
}

row_view!(BatterRow => BatterJson);
row_view!(BowlerRow => BowlerJson with bpo);
row_view!(Fow => FowJson);
row_view!(Partnership => PartnershipJson);
row_view!(OverSummary => OverJson);
row_view!(Innings => InningsJson with bpo);
row_view!(Comment => CommentJson);

pub(crate) struct BatterJson<'a> {
    balls: u32,
    dismissal: &'a str,
    fours: u32,
    name: &'a str,
    out: bool,
    runs: u32,
    sixes: u32,
    strike_rate: f64,
}
json_object!(BatterJson<'a> { balls, dismissal, fours, name, out, runs, sixes, strike_rate });

impl BatterRow {
    pub(crate) fn view(&self) -> BatterJson<'_> {
        BatterJson {
            balls: self.balls,
            dismissal: self.dismissal(),
            fours: self.fours,
            name: &self.name,
            out: self.is_out(),
            runs: self.runs,
            sixes: self.sixes,
            strike_rate: strike_rate(self.runs, self.balls),
        }
    }
}

pub(crate) struct BowlerJson<'a> {
    economy: f64,
    legal_balls: u32,
    maidens: u32,
    name: &'a str,
    noballs: u32,
    overs: Overs,
    runs: u32,
    wickets: u32,
    wides: u32,
}
json_object!(BowlerJson<'a> { economy, legal_balls, maidens, name, noballs, overs, runs, wickets, wides });

impl BowlerRow {
    pub(crate) fn view(&self, bpo: u32) -> BowlerJson<'_> {
        BowlerJson {
            economy: per_over(self.runs, self.legal_balls, bpo),
            legal_balls: self.legal_balls,
            maidens: self.maidens,
            name: &self.name,
            noballs: self.noballs,
            overs: Overs { legal_balls: self.legal_balls, bpo },
            runs: self.runs,
            wickets: self.wickets,
            wides: self.wides,
        }
    }
}

pub(crate) struct FowJson<'a> {
    over: &'a str,
    player: &'a str,
    runs: u32,
    wicket: u32,
}
json_object!(FowJson<'a> { over, player, runs, wicket });

impl Fow {
    pub(crate) fn view(&self) -> FowJson<'_> {
        FowJson { over: &self.over, player: &self.player, runs: self.runs, wicket: self.wicket }
    }
}

pub(crate) struct PartnershipJson<'a> {
    balls: u32,
    batter1: &'a str,
    batter1_runs: u32,
    batter2: &'a str,
    batter2_runs: u32,
    open: bool,
    runs: u32,
    wicket: u32,
}
json_object!(PartnershipJson<'a> { balls, batter1, batter1_runs, batter2, batter2_runs, open, runs, wicket });

impl Partnership {
    pub(crate) fn view(&self) -> PartnershipJson<'_> {
        PartnershipJson {
            balls: self.balls,
            batter1: &self.batter1,
            batter1_runs: self.batter1_runs,
            batter2: &self.batter2,
            batter2_runs: self.batter2_runs,
            open: self.open,
            runs: self.runs,
            wicket: self.wicket,
        }
    }
}

pub(crate) struct OverJson<'a> {
    bowler: &'a str,
    cumulative: u32,
    legal_balls: u32,
    over: u32,
    runs: u32,
    wickets: u32,
}
json_object!(OverJson<'a> { bowler, cumulative, legal_balls, over, runs, wickets });

impl OverSummary {
    pub(crate) fn view(&self) -> OverJson<'_> {
        OverJson {
            bowler: &self.bowler,
            cumulative: self.cumulative,
            legal_balls: self.legal_balls,
            over: self.over + 1,
            runs: self.runs,
            wickets: self.wickets,
        }
    }
}

pub(crate) struct ExtrasJson {
    byes: u32,
    legbyes: u32,
    noballs: u32,
    penalty: u32,
    total: u32,
    wides: u32,
}
json_object!(ExtrasJson { byes, legbyes, noballs, penalty, total, wides });

pub(crate) fn extras_view(e: &Extras) -> ExtrasJson {
    ExtrasJson {
        byes: e.byes,
        legbyes: e.legbyes,
        noballs: e.noballs,
        penalty: e.penalty,
        total: e.total(),
        wides: e.wides,
    }
}

/// Field `k` of an innings header (index into `HEADER_KEYS`).
pub(crate) struct HeaderField<'a> {
    pub header: &'a Header,
    pub k: usize,
    pub bpo: u32,
}

impl WriteJson for HeaderField<'_> {
    fn write_json(&self, out: &mut String) {
        let h = self.header;
        match self.k {
            0 => h.runs.write_json(out),
            1 => h.wickets.write_json(out),
            2 => h.legal_balls.write_json(out),
            3 => Overs { legal_balls: h.legal_balls, bpo: self.bpo }.write_json(out),
            4 => extras_view(&h.extras).write_json(out),
            5 => h.run_rate.write_json(out),
            6 => h.target.write_json(out),
            7 => h.target_overs.write_json(out),
            8 => h.max_overs.write_json(out),
            9 => h.required_rate.write_json(out),
            10 => h.method.write_json(out),
            11 => h.closed.write_json(out),
            _ => h.end_reason.map(end_reason_str).write_json(out),
        }
    }
}

pub(crate) struct InningsJson<'a> {
    batting: Rows<'a, BatterRow>,
    bowling: Rows<'a, BowlerRow>,
    bowling_team: &'a str,
    closed: bool,
    end_reason: Option<&'static str>,
    extras: ExtrasJson,
    fow: Rows<'a, Fow>,
    legal_balls: u32,
    max_overs: u32,
    method: Option<&'a str>,
    number: u32,
    overs: Overs,
    overs_detail: Rows<'a, OverSummary>,
    partnerships: Rows<'a, Partnership>,
    required_rate: Option<f64>,
    run_rate: f64,
    runs: u32,
    super_over: bool,
    target: Option<u32>,
    target_overs: Option<u32>,
    team: &'a str,
    wickets: u32,
}
json_object!(InningsJson<'a> {
    batting, bowling, bowling_team, closed, end_reason, extras, fow, legal_balls, max_overs, method, number,
    overs, overs_detail, partnerships, required_rate, run_rate, runs, super_over, target, target_overs, team,
    wickets,
});

impl Innings {
    pub(crate) fn view(&self, bpo: u32) -> InningsJson<'_> {
        InningsJson {
            batting: Rows(&self.batting, bpo),
            bowling: Rows(&self.bowling, bpo),
            bowling_team: &self.bowling_team,
            closed: self.closed,
            end_reason: self.end_reason.map(end_reason_str),
            extras: extras_view(&self.extras),
            fow: Rows(&self.fow, bpo),
            legal_balls: self.legal_balls,
            max_overs: self.max_overs,
            method: self.method.as_deref(),
            number: self.number,
            overs: Overs { legal_balls: self.legal_balls, bpo },
            overs_detail: Rows(&self.overs, bpo),
            partnerships: Rows(&self.partnerships, bpo),
            required_rate: self.required_rate(bpo),
            run_rate: per_over(self.runs, self.legal_balls, bpo),
            runs: self.runs,
            super_over: self.super_over,
            target: self.target,
            target_overs: self.target_overs,
            team: &self.team,
            wickets: self.wickets,
        }
    }
}

pub(crate) struct CommentJson<'a> {
    chip: Option<&'a str>,
    innings: Option<usize>,
    kind: &'static str,
    over: Option<&'a str>,
    runs: u32,
    seq: u64,
    text: &'a str,
    ts: i64,
    wicket: bool,
}
json_object!(CommentJson<'a> { chip, innings, kind, over, runs, seq, text, ts, wicket });

impl Comment {
    pub(crate) fn view(&self) -> CommentJson<'_> {
        CommentJson {
            chip: self.chip.as_deref(),
            innings: self.innings,
            kind: self.kind.as_str(),
            over: self.over.as_deref(),
            runs: self.runs,
            seq: self.seq,
            text: &self.text,
            ts: self.ts,
            wicket: self.wicket,
        }
    }
}

/// `current.striker` / `current.non_striker`.
pub(crate) struct AtCreaseJson<'a> {
    balls: u32,
    fours: u32,
    name: &'a str,
    runs: u32,
    sixes: u32,
    strike_rate: f64,
}
json_object!(AtCreaseJson<'a> { balls, fours, name, runs, sixes, strike_rate });

/// `current.bowler`.
pub(crate) struct CurrentBowlerJson<'a> {
    economy: f64,
    maidens: u32,
    name: &'a str,
    overs: Overs,
    runs: u32,
    wickets: u32,
}
json_object!(CurrentBowlerJson<'a> { economy, maidens, name, overs, runs, wickets });

/// `current.partnership`.
pub(crate) struct StandJson {
    balls: u32,
    runs: u32,
}
json_object!(StandJson { balls, runs });

/// `current.equation`: "needs 24 from 17 balls".
pub(crate) struct Equation {
    need: u32,
    left: u32,
}

impl WriteJson for Equation {
    fn write_json(&self, out: &mut String) {
        out.push_str("\"needs ");
        push_u64(out, u64::from(self.need));
        out.push_str(" from ");
        push_u64(out, u64::from(self.left));
        out.push_str(if self.left == 1 { " ball\"" } else { " balls\"" });
    }
}

impl CurrentKey {
    pub(crate) fn striker_view(&self) -> Option<AtCreaseJson<'_>> {
        at_crease(self.striker.as_ref())
    }

    pub(crate) fn non_striker_view(&self) -> Option<AtCreaseJson<'_>> {
        at_crease(self.non_striker.as_ref())
    }

    pub(crate) fn bowler_view(&self, bpo: u32) -> Option<CurrentBowlerJson<'_>> {
        self.bowler.as_ref().map(|(name, [balls, maidens, runs, wickets])| CurrentBowlerJson {
            economy: per_over(*runs, *balls, bpo),
            maidens: *maidens,
            name,
            overs: Overs { legal_balls: *balls, bpo },
            runs: *runs,
            wickets: *wickets,
        })
    }

    pub(crate) fn stand_view(&self) -> Option<StandJson> {
        self.partnership.map(|(runs, balls)| StandJson { balls, runs })
    }

    pub(crate) fn equation_view(&self) -> Option<Equation> {
        match self.chase {
            (Some(need), Some(left), false) if need > 0 && left > 0 => Some(Equation { need, left }),
            _ => None,
        }
    }

    pub(crate) fn required_rate_view(&self, bpo: u32) -> Option<f64> {
        match self.chase {
            (Some(need), Some(left), _) if left > 0 => Some(per_over(need, left, bpo)),
            _ => None,
        }
    }
}

fn at_crease(key: Option<&(String, [u32; 4])>) -> Option<AtCreaseJson<'_>> {
    key.map(|(name, [runs, balls, fours, sixes])| AtCreaseJson {
        balls: *balls,
        fours: *fours,
        name,
        runs: *runs,
        sixes: *sixes,
        strike_rate: strike_rate(*runs, *balls),
    })
}

/// The `current` object (see `super::view` for what it shows).
pub(crate) struct CurrentJson<'a> {
    batting_team: &'a str,
    bowler: Option<CurrentBowlerJson<'a>>,
    bowling_team: &'a str,
    equation: Option<Equation>,
    innings: usize,
    non_striker: Option<AtCreaseJson<'a>>,
    number: u32,
    overs: Overs,
    partnership: Option<StandJson>,
    recent: &'a [String],
    required_rate: Option<f64>,
    run_rate: f64,
    runs: u32,
    striker: Option<AtCreaseJson<'a>>,
    super_over: bool,
    target: Option<u32>,
    this_over: &'a [String],
    wickets: u32,
}
json_object!(CurrentJson<'a> {
    batting_team, bowler, bowling_team, equation, innings, non_striker, number, overs, partnership, recent,
    required_rate, run_rate, runs, striker, super_over, target, this_over, wickets,
});

impl State {
    /// The `current` object (None: null, before the first innings), its
    /// plain values taken from `key` (captured from this state).
    pub(crate) fn current_view<'a>(&'a self, key: &'a CurrentKey) -> Option<CurrentJson<'a>> {
        let inn = self.innings.last()?;
        let bpo = self.balls_per_over();
        Some(CurrentJson {
            batting_team: &inn.team,
            bowler: key.bowler_view(bpo),
            bowling_team: &inn.bowling_team,
            equation: key.equation_view(),
            innings: self.innings.len() - 1,
            non_striker: key.non_striker_view(),
            number: inn.number,
            overs: Overs { legal_balls: inn.legal_balls, bpo },
            partnership: key.stand_view(),
            recent: &self.crease.recent,
            required_rate: key.required_rate_view(bpo),
            run_rate: per_over(inn.runs, inn.legal_balls, bpo),
            runs: inn.runs,
            striker: key.striker_view(),
            super_over: inn.super_over,
            target: inn.target,
            this_over: &self.crease.this_over,
            wickets: inn.wickets,
        })
    }

    /// The `toss` line (None before the toss).
    pub(crate) fn toss_view(&self) -> Option<String> {
        self.toss.as_ref().map(|t| toss_text(&t.winner, t.decision))
    }

    /// The JSON of one top-level key (see `super::view::STATIC_TOP` and
    /// `DYNAMIC_TOP`), written into `out`.
    pub(crate) fn write_top(&self, key: &str, out: &mut String) {
        let info = self.info.as_ref();
        match key {
            "status" => self.status().write_json(out),
            "result" => self.result.as_ref().map(|r| r.text.as_str()).write_json(out),
            "winner" => self.result.as_ref().and_then(|r| r.winner.as_deref()).write_json(out),
            "summary" => self.summary().write_json(out),
            "teams" => info.map_or(&[][..], |i| &i.teams[..]).write_json(out),
            "format" => info.map(|i| format_str(i.format)).write_json(out),
            "title" => info.and_then(|i| i.title.as_deref()).write_json(out),
            "venue" => info.and_then(|i| i.venue.as_deref()).write_json(out),
            "date" => info.and_then(|i| i.date.as_deref()).write_json(out),
            "balls_per_over" => self.balls_per_over().write_json(out),
            "squads" => info.map_or(&[][..], |i| &i.squads[..]).write_json(out),
            "toss" => self.toss_view().write_json(out),
            _ => out.push_str("null"),
        }
    }

    /// The viewers' snapshot as JSON text: what [`State::snapshot`]
    /// serializes to, plus the engine's keys when `meta` is given.
    #[must_use]
    pub fn snapshot_text(&self, meta: Option<&SnapshotMeta<'_>>) -> String {
        let key = CurrentKey::capture(self);
        let bpo = self.balls_per_over();
        let info = self.info.as_ref();
        let view = SnapshotJson {
            balls_per_over: bpo,
            commentary: Rows(&self.commentary, bpo),
            current: self.current_view(&key),
            date: info.and_then(|i| i.date.as_deref()),
            format: info.map(|i| format_str(i.format)),
            id: meta.map(|m| m.id),
            innings: Rows(&self.innings, bpo),
            result: self.result.as_ref().map(|r| r.text.as_str()),
            seq: meta.map(|m| m.seq),
            sport: meta.map(|m| m.sport.as_str()),
            squads: info.map_or(&[][..], |i| &i.squads[..]),
            status: self.status(),
            summary: self.summary(),
            teams: info.map_or(&[][..], |i| &i.teams[..]),
            title: info.and_then(|i| i.title.as_deref()),
            toss: self.toss_view(),
            updated: meta.map(|m| m.updated),
            venue: info.and_then(|i| i.venue.as_deref()),
            winner: self.result.as_ref().and_then(|r| r.winner.as_deref()),
        };
        // Room for the commentary alone: ~200 bytes an entry.
        let mut out = String::with_capacity(4096 + 256 * self.commentary.len());
        view.write_json(&mut out);
        out
    }
}

pub(crate) fn format_str(f: Format) -> &'static str {
    match f {
        Format::T20 => "t20",
        Format::Odi => "odi",
    }
}

/// The whole snapshot; the engine's keys (`id`, `seq`, `sport`, `updated`)
/// only when given.
struct SnapshotJson<'a> {
    balls_per_over: u32,
    commentary: Rows<'a, Comment>,
    current: Option<CurrentJson<'a>>,
    date: Option<&'a str>,
    format: Option<&'static str>,
    id: Option<&'a str>,
    innings: Rows<'a, Innings>,
    result: Option<&'a str>,
    seq: Option<u64>,
    sport: Option<&'static str>,
    squads: &'a [Vec<String>],
    status: Status,
    summary: String,
    teams: &'a [String],
    title: Option<&'a str>,
    toss: Option<String>,
    updated: Option<i64>,
    venue: Option<&'a str>,
    winner: Option<&'a str>,
}

impl WriteJson for SnapshotJson<'_> {
    fn write_json(&self, out: &mut String) {
        /// `,"key":value`, or nothing when an engine key is not given.
        fn engine_key<T: WriteJson>(out: &mut String, key: &str, value: Option<T>) {
            if let Some(v) = value {
                out.push_str(key);
                v.write_json(out);
            }
        }
        out.push_str("{\"balls_per_over\":");
        self.balls_per_over.write_json(out);
        out.push_str(",\"commentary\":");
        self.commentary.write_json(out);
        out.push_str(",\"current\":");
        self.current.write_json(out);
        out.push_str(",\"date\":");
        self.date.write_json(out);
        out.push_str(",\"format\":");
        self.format.write_json(out);
        engine_key(out, ",\"id\":", self.id);
        out.push_str(",\"innings\":");
        self.innings.write_json(out);
        out.push_str(",\"result\":");
        self.result.write_json(out);
        engine_key(out, ",\"seq\":", self.seq);
        engine_key(out, ",\"sport\":", self.sport);
        out.push_str(",\"squads\":");
        self.squads.write_json(out);
        out.push_str(",\"status\":");
        self.status.write_json(out);
        out.push_str(",\"summary\":");
        self.summary.write_json(out);
        out.push_str(",\"teams\":");
        self.teams.write_json(out);
        out.push_str(",\"title\":");
        self.title.write_json(out);
        out.push_str(",\"toss\":");
        self.toss.write_json(out);
        engine_key(out, ",\"updated\":", self.updated);
        out.push_str(",\"venue\":");
        self.venue.write_json(out);
        out.push_str(",\"winner\":");
        self.winner.write_json(out);
        out.push('}');
    }
}
