//! Redis key and channel names.
//!
//! Every per-match key carries the hash tag `{match-id}`, so all keys of one
//! match live in one Redis Cluster slot and the commit transaction (which
//! touches them all) works unchanged on a cluster:
//!
//! | name                 | type    | holds                                          |
//! |----------------------|---------|------------------------------------------------|
//! | `lm:{ID}:state`      | string  | engine state JSON (`MatchState`)               |
//! | `lm:{ID}:snapshot`   | string  | the viewers' snapshot JSON                     |
//! | `lm:{ID}:seq`        | string  | last committed seq (decimal)                   |
//! | `lm:{ID}:log`        | list    | event frames: index `i` holds seq `i+1`        |
//! | `lm:{ID}:live`       | channel | each commit's frames joined by `\n`, or a reset |
//! | `lm:{lobby}`         | hash    | match id -> `LobbyEntry` JSON                  |
//! | `lm:{lobby}:expiry`  | zset    | match id -> unix ms when its entry expires     |
//! | `lm:lobby:live`      | channel | changed lobby entries (JSON)                   |
//!
//! The two lobby keys share the tag `{lobby}` because the lobby scripts
//! touch both. (A match named `lobby` would share their slot, nothing more:
//! its keys all have a suffix the lobby keys lack.)

/// Hash of every match's lobby entry (match id -> `LobbyEntry` JSON).
pub const LOBBY: &str = "lm:{lobby}";
/// Sorted set of finished matches: match id -> unix time (ms) at which its
/// lobby entry is dropped.
pub const LOBBY_EXPIRY: &str = "lm:{lobby}:expiry";
/// Channel announcing changed lobby entries.
pub const LOBBY_LIVE: &str = "lm:lobby:live";

const MATCH_PREFIX: &str = "lm:{";
const LIVE_SUFFIX: &str = "}:live";

/// The engine state of a match.
#[must_use]
pub fn state(match_id: &str) -> String {
    format!("{MATCH_PREFIX}{match_id}}}:state")
}

/// The viewers' snapshot of a match.
#[must_use]
pub fn snapshot(match_id: &str) -> String {
    format!("{MATCH_PREFIX}{match_id}}}:snapshot")
}

/// The last committed sequence number of a match.
#[must_use]
pub fn seq(match_id: &str) -> String {
    format!("{MATCH_PREFIX}{match_id}}}:seq")
}

/// The event log of a match (a list; index `i` holds the frame of seq `i+1`).
#[must_use]
pub fn log(match_id: &str) -> String {
    format!("{MATCH_PREFIX}{match_id}}}:log")
}

/// The live channel of a match.
#[must_use]
pub fn live(match_id: &str) -> String {
    format!("{MATCH_PREFIX}{match_id}{LIVE_SUFFIX}")
}

/// Every key stored for a match (not its channel).
#[must_use]
pub fn all(match_id: &str) -> [String; 4] {
    [state(match_id), snapshot(match_id), seq(match_id), log(match_id)]
}

/// The match id of a match's live channel, `None` for any other name.
#[must_use]
pub fn match_of_live_channel(channel: &str) -> Option<&str> {
    channel.strip_prefix(MATCH_PREFIX)?.strip_suffix(LIVE_SUFFIX)
}

/// The Redis Cluster slot of a key: CRC16 (XMODEM) of its hash tag (the
/// part between the first `{` and the next `}`, if not empty) or of the
/// whole key, modulo 16384.
#[must_use]
pub fn cluster_slot(key: &str) -> u16 {
    let bytes = key.as_bytes();
    let hashed = bytes
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &bytes[open + 1..];
            rest.iter().position(|&b| b == b'}').filter(|&close| close > 0).map(|close| &rest[..close])
        })
        .unwrap_or(bytes);
    crc16_xmodem(hashed) % 16384
}

fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 == 0 { crc << 1 } else { (crc << 1) ^ 0x1021 };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_keys_are_tagged_and_distinct() {
        let names = [state("ind-pak"), snapshot("ind-pak"), seq("ind-pak"), log("ind-pak"), live("ind-pak")];
        assert_eq!(
            names,
            [
                "lm:{ind-pak}:state",
                "lm:{ind-pak}:snapshot",
                "lm:{ind-pak}:seq",
                "lm:{ind-pak}:log",
                "lm:{ind-pak}:live"
            ]
        );
        let mut unique = names.to_vec();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert_eq!(all("ind-pak").to_vec(), names[..4].to_vec());
    }

    #[test]
    fn crc16_matches_the_redis_cluster_spec() {
        // Test vector from the Redis Cluster specification.
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
        // `CLUSTER KEYSLOT foo` / `bar` on a real cluster.
        assert_eq!(cluster_slot("foo"), 12182);
        assert_eq!(cluster_slot("bar"), 5061);
        // Only the tag is hashed; an empty tag hashes the whole key.
        assert_eq!(cluster_slot("{foo}.anything"), 12182);
        assert_ne!(cluster_slot("{}foo"), cluster_slot("foo"));
    }

    #[test]
    fn one_match_lives_in_one_slot() {
        for id in ["ind-pak", "m1", "ipl-2024-final", "odd:id", "a}b", "x{y}"] {
            let slots: Vec<u16> = all(id).iter().chain([live(id)].iter()).map(|k| cluster_slot(k)).collect();
            assert!(slots.iter().all(|&s| s == slots[0]), "{id}: {slots:?}");
        }
        // The tag is the match id itself.
        assert_eq!(cluster_slot(&state("ind-pak")), cluster_slot("ind-pak"));
        // Different matches are spread over slots (not all on one node).
        assert_ne!(cluster_slot(&state("m1")), cluster_slot(&state("m2")));
    }

    #[test]
    fn lobby_keys_share_a_slot() {
        assert_eq!(cluster_slot(LOBBY), cluster_slot(LOBBY_EXPIRY));
        assert!(!all("lobby").iter().any(|k| k == LOBBY || k == LOBBY_EXPIRY));
    }

    #[test]
    fn live_channel_names_parse_back() {
        for id in ["ind-pak", "odd:id", "a}b", "with space"] {
            assert_eq!(match_of_live_channel(&live(id)), Some(id));
        }
        assert_eq!(match_of_live_channel(LOBBY_LIVE), None);
        assert_eq!(match_of_live_channel(&state("m1")), None);
    }
}
