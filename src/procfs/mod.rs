//! Reading Linux's /proc: one process's figures (read each cycle for each process service),
//! a snapshot of the whole table (only for `matching`, children and total rules), and the
//! host-wide figures of `check system`. Plain files, no library: a full sysinfo refresh
//! costs ~15 ms per cycle here, a per-PID read a few microseconds.

pub mod process;
pub mod system;
pub mod table;
