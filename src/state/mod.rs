//! What the engine knows, for everyone else: the live status of every service (a board
//! readers copy snapshots from) and its persistence in the state file.

pub mod alerts;
pub mod board;
pub mod monit_state;
pub mod network;
pub mod persist;
pub mod report;
pub mod saver;
pub mod status;

pub use alerts::{AlertQueueStatus, AlertStatusBoard};
pub use board::{Board, Snapshot};
pub use network::{ConnectionFigure, ConnectionKind};
pub use status::*;
