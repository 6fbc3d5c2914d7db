//! A snapshot of the whole process table, taken at most once per cycle and shared by every
//! check that needs it: `matching` services, children counts and the `total*` figures.

use std::collections::HashMap;
use std::fs;

use regex::Regex;

use super::process::{parse_stat, read_cmdline};

/// One process of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub pid: i32,
    pub ppid: i32,
    pub start_ticks: u64,
    pub cpu_ticks: u64,
    pub rss_pages: u64,
    pub threads: u32,
    pub zombie: bool,
    /// The full command line (or `[name]` for a kernel thread).
    pub cmdline: String,
}

#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    entries: Vec<Entry>,
    by_pid: HashMap<i32, usize>,
    children: HashMap<i32, Vec<i32>>,
}

impl ProcessTable {
    /// Reads every process of /proc. Processes that vanish while being read are skipped.
    pub fn scan() -> ProcessTable {
        ProcessTable::scan_with(true)
    }

    /// A scan without command lines (left empty): half the reads, for children and totals
    /// when no service matches on command lines.
    pub fn scan_without_cmdlines() -> ProcessTable {
        ProcessTable::scan_with(false)
    }

    fn scan_with(cmdlines: bool) -> ProcessTable {
        let mut entries = Vec::new();
        let Ok(dir) = fs::read_dir("/proc") else { return ProcessTable::default() };
        for item in dir.flatten() {
            let Some(pid) = item.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
            let Ok(text) = fs::read_to_string(item.path().join("stat")) else { continue };
            let Some(stat) = parse_stat(&text) else { continue };
            let cmdline = match cmdlines.then(|| read_cmdline(pid)) {
                None => String::new(),
                Some(Ok(c)) if !c.is_empty() => c,
                Some(_) => format!("[{}]", stat.comm),
            };
            entries.push(Entry {
                pid,
                ppid: stat.ppid,
                start_ticks: stat.start_ticks,
                cpu_ticks: stat.cpu_ticks(),
                rss_pages: stat.rss_pages,
                threads: stat.threads,
                zombie: stat.is_zombie(),
                cmdline,
            });
        }
        ProcessTable::from_entries(entries)
    }

    pub fn from_entries(entries: Vec<Entry>) -> ProcessTable {
        let by_pid = entries.iter().enumerate().map(|(i, e)| (e.pid, i)).collect();
        let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
        for e in &entries {
            children.entry(e.ppid).or_default().push(e.pid);
        }
        ProcessTable { entries, by_pid, children }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, pid: i32) -> Option<&Entry> {
        self.by_pid.get(&pid).map(|&i| &self.entries[i])
    }

    /// Direct children of a process.
    pub fn children(&self, pid: i32) -> &[i32] {
        self.children.get(&pid).map_or(&[], Vec::as_slice)
    }

    /// Every descendant of a process (children, their children, ...), without it.
    pub fn descendants(&self, pid: i32) -> Vec<i32> {
        let mut out = Vec::new();
        let mut stack = vec![pid];
        while let Some(p) = stack.pop() {
            for &child in self.children(p) {
                // A pid cycle cannot happen in a consistent table, but a snapshot read while
                // processes come and go is not one; never loop.
                if child != pid && !out.contains(&child) {
                    out.push(child);
                    stack.push(child);
                }
            }
        }
        out
    }

    /// Monit's `matching` rule: among the live processes `candidate` takes (a command
    /// line that matches), the oldest one whose parent is not also taken (so a master is
    /// chosen over its workers).
    pub fn find_matching(&self, mut candidate: impl FnMut(&Entry) -> bool) -> Option<&Entry> {
        let matches: Vec<&Entry> = self.entries.iter().filter(|e| !e.zombie && candidate(e)).collect();
        let is_match = |pid: i32| matches.iter().any(|e| e.pid == pid);
        matches
            .iter()
            .filter(|e| !is_match(e.ppid))
            .min_by_key(|e| (e.start_ticks, e.pid))
            .or_else(|| matches.iter().min_by_key(|e| (e.start_ticks, e.pid)))
            .copied()
    }

    /// Every process whose command line matches, oldest first (for `procmatch`). As in
    /// Monit's `ProcessTree_testMatch`, a command line holding `procmatch` (case-sensitive)
    /// is never listed, so the command itself and a wrapper such as `timeout 5 rmonit
    /// procmatch ...` do not show; `exclude` (rmonit itself) never does either.
    pub fn all_matching(&self, pattern: &Regex, exclude: i32) -> Vec<&Entry> {
        let mut matches: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.pid != exclude && !e.cmdline.contains("procmatch") && pattern.is_match(&e.cmdline))
            .collect();
        matches.sort_by_key(|e| (e.start_ticks, e.pid));
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pid: i32, ppid: i32, start: u64, cmdline: &str) -> Entry {
        Entry {
            pid,
            ppid,
            start_ticks: start,
            cpu_ticks: 0,
            rss_pages: 0,
            threads: 1,
            zombie: false,
            cmdline: cmdline.into(),
        }
    }

    #[test]
    fn matching_prefers_the_master_over_older_unrelated_and_its_workers() {
        let table = ProcessTable::from_entries(vec![
            entry(1, 0, 0, "/sbin/init"),
            entry(10, 1, 100, "nginx: master process"),
            entry(11, 10, 90, "nginx: worker process"),
            entry(12, 10, 110, "nginx: worker process"),
            entry(20, 1, 50, "grep nginx"),
        ]);
        let re = Regex::new("nginx: .* process").unwrap();
        assert_eq!(table.find_matching(|e| re.is_match(&e.cmdline)).map(|e| e.pid), Some(10));
        let re = Regex::new("nginx").unwrap();
        assert_eq!(
            table.find_matching(|e| re.is_match(&e.cmdline)).map(|e| e.pid),
            Some(20),
            "the oldest match whose parent does not match"
        );
        assert_eq!(
            table.find_matching(|e| e.pid != 20 && re.is_match(&e.cmdline)).map(|e| e.pid),
            Some(10),
            "what the candidate test leaves out is not chosen"
        );
    }

    #[test]
    fn procmatch_lists_no_command_line_holding_procmatch() {
        let table = ProcessTable::from_entries(vec![
            entry(1, 0, 0, "/sbin/init"),
            entry(10, 1, 100, "worker mmm"),
            entry(20, 1, 200, "timeout 5 rmonit -c rc procmatch worker mmm"),
            entry(30, 20, 210, "rmonit -c rc procmatch worker mmm"),
            entry(40, 1, 50, "PROCMATCH worker mmm"),
        ]);
        let re = Regex::new("worker mmm").unwrap();
        let pids: Vec<i32> = table.all_matching(&re, 30).iter().map(|e| e.pid).collect();
        assert_eq!(pids, [40, 10], "case-sensitive, as Monit's strstr");
    }

    #[test]
    fn descendants_walk_the_tree() {
        let table = ProcessTable::from_entries(vec![
            entry(1, 0, 0, "init"),
            entry(2, 1, 1, "a"),
            entry(3, 2, 2, "b"),
            entry(4, 3, 3, "c"),
            entry(5, 1, 4, "d"),
        ]);
        let mut d = table.descendants(2);
        d.sort();
        assert_eq!(d, [3, 4]);
        assert_eq!(table.children(1), [2, 5]);
    }

    #[test]
    fn a_real_scan_finds_this_process() {
        let table = ProcessTable::scan();
        let me = std::process::id() as i32;
        let entry = table.get(me).expect("own pid in the table");
        assert!(entry.cmdline.contains("rmonit"), "{}", entry.cmdline);
    }
}
