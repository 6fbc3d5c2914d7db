//! Checks: what each service type measures each cycle, and the verdict per rule. One file
//! per kind (process, system, ...) behind the engine's per-service task; `judge` turns
//! observations into rule verdicts; `network` runs connection and ping tests.

pub mod file;
pub mod filesystem;
pub mod judge;
pub mod lane;
pub mod link;
pub mod network;
pub mod observer;
pub mod process;
pub mod protocol;
pub mod system;
pub mod table_cache;
pub mod verify;
