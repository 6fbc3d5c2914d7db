//! Reading Monit's own binary state file, for a host that switches from Monit to rmonit.
//!
//! Monit (5.4 and later) writes `<magic i32 = 0><version i32>`, for versions 3 and 4 the
//! host's boot time (u64), then one fixed-size C struct per service in native byte order
//! and x86_64 alignment: a 256-byte NUL-terminated name, the type, monitoring state, start
//! counter and cycle counter (four 32-bit fields), then a union of per-type data (8-byte
//! aligned, as large as its largest member). Monit 5.3 and older (version 0) wrote the
//! number of services as the magic, then per service the name, an obsolete mode, the start
//! and cycle counters, the monitoring state and an obsolete error word, and no type: such
//! records pair with a service by name alone, as Monit pairs them.
//!
//! Records are converted into rmonit's own [`StateFile`] so the ordinary restore path
//! (same boot restores, after a reboot `onreboot` decides) applies; Monit's boot time,
//! derived from the uptime, may be a second off the kernel's `btime` rmonit reads, and
//! counts as the same boot within 2 s. Carried over: the monitoring state, the start
//! counter (the restarts that count against a restart limit, reset by a reboot as Monit
//! resets them), and for file services the content read position and the checksum
//! baseline. Not carried over: Monit's cycle counter (rmonit counts the limit's window from
//! its own start), and the size, timestamp, permission and link-speed change baselines
//! (rmonit takes new ones at its first check, so a change made while neither ran is not
//! reported).
//!
//! The bytes are untrusted: every read is bounds-checked and nothing here panics. A trailing
//! partial record is ignored, as Monit ignores it.

use crate::state::persist::{ServiceState, StateFile};
use crate::state::status::ContentPosition;

/// Length of a service name field (Monit's STRLEN).
const NAME_LEN: usize = 256;
/// Length of a hash field (Monit's MD_T: MD_SIZE bytes).
const HASH_LEN: usize = 65;
/// Offset of the per-type union: the name, four 32-bit fields, already 8-byte aligned.
const UNION_AT: usize = NAME_LEN + 16;
/// How far Monit's recorded boot time may be from the kernel's `btime` and still be the
/// same boot: Monit derives it from the uptime (now minus whole seconds of uptime), which
/// lands a second or so off `btime`; two boots are always further apart than this.
const SAME_BOOT_SLACK: u64 = 2;
/// Monit's `Monitor_Not`.
const MONITOR_NOT: i32 = 0;
/// A version 0 record: name, then mode, nstart, ncycle and monitor (i32 each), then an
/// 8-byte error word.
const V0_SIZE: usize = NAME_LEN + 16 + 8;

/// One version's record layout: its size and where the file fields sit (offsets into the
/// record), `None` where the version has no hash.
struct Layout {
    size: usize,
    inode_at: usize,
    readpos_at: usize,
    hash_at: Option<usize>,
}

/// Version 1: the union holds only inode and read position (16 bytes).
const V1: Layout = Layout { size: UNION_AT + 16, inode_at: UNION_AT, readpos_at: UNION_AT + 8, hash_at: None };
/// Versions 2 and 3: file = inode, readpos, size, timestamp (u64 each), mode (i32), hash;
/// 101 bytes, padded to 104.
const V3: Layout =
    Layout { size: UNION_AT + 104, inode_at: UNION_AT, readpos_at: UNION_AT + 8, hash_at: Some(UNION_AT + 36) };
/// Version 4: file = inode, readpos, size, atime, ctime, mtime (u64 each), mode (i32),
/// hash; 117 bytes, padded to 120.
const V4: Layout =
    Layout { size: UNION_AT + 120, inode_at: UNION_AT, readpos_at: UNION_AT + 8, hash_at: Some(UNION_AT + 52) };

/// What a Monit state file held, converted.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitState {
    pub version: i32,
    /// The boot time Monit recorded (versions 3 and 4); older versions have none, and Monit
    /// then acts as if the host had not rebooted.
    pub boot_time: Option<u64>,
    pub services: Vec<ServiceState>,
}

impl MonitState {
    /// As rmonit's own state file, with the boot time as rmonit reads it (`current_boot`)
    /// when Monit's is missing or names this same boot. After a reboot the start counters
    /// are dropped, as Monit drops them.
    pub fn into_state_file(self, current_boot: u64) -> StateFile {
        let (boot_time, rebooted) = match self.boot_time {
            Some(boot) if boot.abs_diff(current_boot) > SAME_BOOT_SLACK => (boot, true),
            _ => (current_boot, false),
        };
        let mut services = self.services;
        if rebooted {
            services.iter_mut().for_each(|s| s.restarts = 0);
        }
        StateFile::new(boot_time, services)
    }
}

/// Parses a Monit state file, or says why it is not one rmonit can read.
pub fn parse(bytes: &[u8]) -> Result<MonitState, String> {
    let magic = read_i32(bytes, 0).ok_or("shorter than Monit's magic number")?;
    if magic > 0 {
        return parse_version_0(bytes, magic as usize);
    }
    if magic != 0 {
        return Err(format!("bad magic number {magic}"));
    }
    let version = read_i32(bytes, 4).ok_or("no format version after the magic number")?;
    let (layout, boot_time, mut at) = match version {
        1 => (&V1, None, 8),
        2 => (&V3, None, 8),
        3 | 4 => {
            let boot = read_u64(bytes, 8).ok_or("no system boot time after the version")?;
            (if version == 3 { &V3 } else { &V4 }, Some(boot), 16)
        }
        other => return Err(format!("unknown Monit state version {other}")),
    };
    let mut services = Vec::new();
    while let Some(record) = bytes.get(at..at + layout.size) {
        at += layout.size;
        if let Some(service) = convert(record, layout) {
            services.push(service);
        }
    }
    Ok(MonitState { version, boot_time, services })
}

/// Monit 5.3's format: `count` records after the count, without a type or a boot time. The
/// file must be exactly that long (Monit fails on a short one), which also keeps any other
/// file whose first bytes happen to read as a positive count from passing for one.
fn parse_version_0(bytes: &[u8], count: usize) -> Result<MonitState, String> {
    let expected = count.checked_mul(V0_SIZE).and_then(|n| n.checked_add(4));
    if expected != Some(bytes.len()) {
        return Err(format!(
            "not Monit's version 0 format either: {count} services would take {} bytes, the file has {}",
            expected.map_or_else(|| "too many".to_owned(), |n| n.to_string()),
            bytes.len()
        ));
    }
    let mut services = Vec::new();
    for at in (4..).step_by(V0_SIZE).take(count) {
        let Some(record) = bytes.get(at..at + V0_SIZE) else { break };
        let Some(name) = c_string(&record[..NAME_LEN]).filter(|n| !n.is_empty()) else { continue };
        let (Some(nstart), Some(monitor)) = (read_i32(record, NAME_LEN + 4), read_i32(record, NAME_LEN + 12)) else {
            continue;
        };
        services.push(ServiceState {
            restarts: u32::try_from(nstart).unwrap_or(0),
            ..service_state(name, String::new(), monitor != MONITOR_NOT)
        });
    }
    Ok(MonitState { version: 0, boot_time: None, services })
}

/// A service's state with nothing but its identity and monitoring state.
fn service_state(name: String, type_name: String, monitored: bool) -> ServiceState {
    ServiceState { monitored, ..ServiceState::new(&name, &type_name) }
}

/// One record as rmonit's service state; `None` for an unknown type or an empty name.
fn convert(record: &[u8], layout: &Layout) -> Option<ServiceState> {
    let name = c_string(record.get(..NAME_LEN)?)?;
    if name.is_empty() {
        return None;
    }
    let type_name = type_name(read_u32(record, NAME_LEN)?)?;
    let monitored = read_i32(record, NAME_LEN + 4)? != MONITOR_NOT;
    let restarts = u32::try_from(read_i32(record, NAME_LEN + 8)?).unwrap_or(0);
    let (content_position, checksum_baseline) = if type_name == "File" {
        let inode = read_u64(record, layout.inode_at)?;
        let offset = read_u64(record, layout.readpos_at)?;
        let position = (inode != 0).then_some(ContentPosition { inode, offset });
        let hash = layout
            .hash_at
            .and_then(|h| record.get(h..h + HASH_LEN))
            .and_then(c_string)
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
        (position, hash)
    } else {
        (None, None)
    };
    Some(ServiceState {
        restarts,
        content_position,
        checksum_baseline,
        ..service_state(name, type_name.to_owned(), monitored)
    })
}

/// Monit's Service_Type numbering, as rmonit's type names.
fn type_name(number: u32) -> Option<&'static str> {
    Some(match number {
        0 => "Filesystem",
        1 => "Directory",
        2 => "File",
        3 => "Process",
        4 => "Remote Host",
        5 => "System",
        6 => "Fifo",
        7 => "Program",
        8 => "Network",
        _ => return None,
    })
}

/// The text before the first NUL (the whole field if none); `None` if not UTF-8.
fn c_string(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    std::str::from_utf8(&field[..end]).ok().map(str::to_owned)
}

fn read_i32(bytes: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_ne_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds Monit state images the way Monit lays them out.
    struct Writer {
        bytes: Vec<u8>,
        layout: &'static Layout,
    }

    impl Writer {
        fn new(version: i32, boot: Option<u64>) -> Writer {
            let mut bytes = Vec::new();
            bytes.extend_from_slice(&0i32.to_ne_bytes());
            bytes.extend_from_slice(&version.to_ne_bytes());
            if let Some(boot) = boot {
                bytes.extend_from_slice(&boot.to_ne_bytes());
            }
            let layout = match version {
                1 => &V1,
                2 | 3 => &V3,
                _ => &V4,
            };
            Writer { bytes, layout }
        }

        fn record(mut self, name: &str, kind: u32, monitor: i32, file: Option<(u64, u64, &str)>) -> Writer {
            let mut record = vec![0u8; self.layout.size];
            record[..name.len()].copy_from_slice(name.as_bytes());
            record[NAME_LEN..NAME_LEN + 4].copy_from_slice(&kind.to_ne_bytes());
            record[NAME_LEN + 4..NAME_LEN + 8].copy_from_slice(&monitor.to_ne_bytes());
            record[NAME_LEN + 8..NAME_LEN + 12].copy_from_slice(&3i32.to_ne_bytes());
            if let Some((inode, readpos, hash)) = file {
                let l = self.layout;
                record[l.inode_at..l.inode_at + 8].copy_from_slice(&inode.to_ne_bytes());
                record[l.readpos_at..l.readpos_at + 8].copy_from_slice(&readpos.to_ne_bytes());
                if let Some(h) = l.hash_at {
                    record[h..h + hash.len()].copy_from_slice(hash.as_bytes());
                }
            }
            self.bytes.extend_from_slice(&record);
            self
        }
    }

    const HASH: &str = "d41d8cd98f00b204e9800998ecf8427e";

    #[test]
    fn record_sizes_match_monits_structs() {
        assert_eq!(V4.size, 392);
        assert_eq!(V3.size, 376);
        assert_eq!(V1.size, 288);
    }

    #[test]
    fn a_version_4_image_converts() {
        let image = Writer::new(4, Some(1_700_000_000))
            .record("log", 2, 1, Some((1234, 5678, HASH)))
            .record("web", 3, 0, None)
            .record("net", 8, 2, None)
            .bytes;
        let state = parse(&image).unwrap();
        assert_eq!(state.version, 4);
        assert_eq!(state.boot_time, Some(1_700_000_000));
        let names: Vec<_> =
            state.services.iter().map(|s| (s.name.as_str(), s.type_name.as_str(), s.monitored)).collect();
        assert_eq!(names, [("log", "File", true), ("web", "Process", false), ("net", "Network", true)]);
        let log = &state.services[0];
        assert_eq!(log.content_position, Some(ContentPosition { inode: 1234, offset: 5678 }));
        assert_eq!(log.checksum_baseline.as_deref(), Some(HASH));
        assert_eq!(log.restarts, 3, "Monit's start counter");
        let file = state.clone().into_state_file(99);
        assert_eq!(file.boot_time, 1_700_000_000, "another boot");
        assert_eq!(file.services[0].restarts, 0, "a reboot resets the start counters, as in Monit");
        assert_eq!(file.format, "rmonit-state");
        let same = state.into_state_file(1_700_000_001);
        assert_eq!(same.boot_time, 1_700_000_001, "Monit's uptime-derived boot time is a second off btime");
    }

    #[test]
    fn a_version_3_image_converts() {
        let image = Writer::new(3, Some(7)).record("log", 2, 0, Some((9, 10, HASH))).bytes;
        let state = parse(&image).unwrap();
        assert_eq!(state.boot_time, Some(7));
        let log = &state.services[0];
        assert!(!log.monitored);
        assert_eq!(log.content_position, Some(ContentPosition { inode: 9, offset: 10 }));
        assert_eq!(log.checksum_baseline.as_deref(), Some(HASH));
    }

    #[test]
    fn version_2_has_no_boot_time_and_counts_as_the_same_boot() {
        let image = Writer::new(2, None).record("web", 3, 0, None).bytes;
        let state = parse(&image).unwrap();
        assert_eq!(state.boot_time, None);
        assert_eq!(state.into_state_file(55).boot_time, 55);
    }

    #[test]
    fn a_version_0_image_converts_and_pairs_by_name() {
        let mut image = 3i32.to_ne_bytes().to_vec();
        for (name, nstart, monitor) in [("web", 2i32, 0i32), ("", 0, 1), ("db", 0, 1)] {
            let mut record = vec![0u8; V0_SIZE];
            record[..name.len()].copy_from_slice(name.as_bytes());
            record[NAME_LEN + 4..NAME_LEN + 8].copy_from_slice(&nstart.to_ne_bytes());
            record[NAME_LEN + 12..NAME_LEN + 16].copy_from_slice(&monitor.to_ne_bytes());
            image.extend_from_slice(&record);
        }
        let state = parse(&image).unwrap();
        assert_eq!((state.version, state.boot_time), (0, None));
        let seen: Vec<_> =
            state.services.iter().map(|s| (s.name.as_str(), s.type_name.as_str(), s.monitored, s.restarts)).collect();
        assert_eq!(seen, [("web", "", false, 2), ("db", "", true, 0)]);
        let config = crate::config::load_str("monitrc", "check process web pidfile /p\n", Default::default()).unwrap();
        assert!(state.services[0].is_for(&config.config.services[0]), "no type: paired by name");
        assert_eq!(V0_SIZE, 280, "Monit 5.3's State0_T");
    }

    #[test]
    fn a_truncated_record_is_ignored_and_the_rest_kept() {
        let mut image = Writer::new(4, Some(1)).record("a", 3, 0, None).record("b", 3, 0, None).bytes;
        image.truncate(image.len() - 10);
        let state = parse(&image).unwrap();
        assert_eq!(state.services.len(), 1);
        assert_eq!(state.services[0].name, "a");
    }

    #[test]
    fn unknown_types_empty_names_and_odd_hashes_are_dropped() {
        let image = Writer::new(4, Some(1))
            .record("odd", 42, 1, None)
            .record("", 3, 1, None)
            .record("f", 2, 1, Some((0, 0, "not hex!")))
            .bytes;
        let state = parse(&image).unwrap();
        assert_eq!(state.services.len(), 1);
        assert_eq!(state.services[0].content_position, None, "inode 0: never read");
        assert_eq!(state.services[0].checksum_baseline, None);
    }

    #[test]
    fn headers_that_do_not_parse_are_errors() {
        let mut wrong_magic = Writer::new(4, Some(1)).record("a", 3, 0, None).bytes;
        wrong_magic[..4].copy_from_slice(&(-5i32).to_ne_bytes());
        assert!(parse(&wrong_magic).unwrap_err().contains("magic"));
        assert!(parse(&[0, 0]).is_err());
        assert!(parse(&0i32.to_ne_bytes()).unwrap_err().contains("version"));
        let unknown = Writer::new(9, Some(1)).bytes;
        assert!(parse(&unknown).unwrap_err().contains("unknown Monit state version 9"));
        let no_boot = Writer::new(4, None).bytes;
        assert!(parse(&no_boot).unwrap_err().contains("boot time"));
        assert!(parse(&5i32.to_ne_bytes()).unwrap_err().contains("version 0"), "version 0 with its records missing");
        assert!(parse(b"{\"format\": \"rmonit-state\"}").is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0usize..1200 {
            let mut bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            if len >= 8 {
                bytes[..4].copy_from_slice(&0i32.to_ne_bytes());
                bytes[4..8].copy_from_slice(&i32::try_from(len % 5).unwrap_or(0).to_ne_bytes());
            }
            let _ = parse(&bytes);
        }
    }
}
