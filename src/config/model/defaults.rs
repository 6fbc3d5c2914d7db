//! Defaults that apply when the control file says nothing, each with Monit 5.33's value
//! (reference §4 `set limits`, §3.1, §1.3). Readers apply them; the model keeps `None`.

use super::Limits;
use super::values::{ByteSize, Duration};

/// `programOutput: 512 B` (of stdout and of stderr each; rmonit keeps the last bytes).
pub const PROGRAM_OUTPUT: ByteSize = ByteSize { bytes: 512 };
/// `sendExpectBuffer: 256 B`.
pub const SEND_EXPECT_BUFFER: ByteSize = ByteSize { bytes: 256 };
/// `fileContentBuffer: 512 B` (longest line read by content tests).
pub const FILE_CONTENT_BUFFER: ByteSize = ByteSize { bytes: 512 };
/// `httpContentBuffer: 1 MB`.
pub const HTTP_CONTENT_BUFFER: ByteSize = ByteSize { bytes: 1 << 20 };
/// `networkTimeout: 5 s` (connection tests).
pub const NETWORK_TIMEOUT: Duration = Duration::from_secs(5);
/// `programTimeout: 300 s` (check program).
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(300);
/// `stopTimeout: 30 s`.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// `startTimeout: 30 s`.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// `restartTimeout: 30 s`.
pub const RESTART_TIMEOUT: Duration = Duration::from_secs(30);
/// Monit's default poll interval when `-d` is given without `set daemon`: none; we use 30 s
/// for `rmonit -I` without `set daemon` (Monit refuses to start).
pub const DAEMON_INTERVAL: Duration = Duration::from_secs(30);
/// Mail server port.
pub const MAIL_PORT: u16 = 25;
/// Mail timeout. Monit 5.33 ignores values under 30 s; we honour what is configured.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(30);
/// `ping count 3`, `size 64`.
pub const PING_COUNT: u32 = 3;
pub const PING_SIZE: u32 = 64;
/// Connection tests are tried once (`retry 1`).
pub const RETRY: u32 = 1;
/// Longest `for N cycles` / `within N cycles` window (the event model's 64-bit register).
pub const MAX_CYCLES: u32 = 64;
/// Deepest include nesting (Monit: 1024; we stop far earlier, since a deeper one is a loop).
pub const MAX_INCLUDE_DEPTH: usize = 64;
/// Most files one control file may include, all levels together (Monit: no limit). Without
/// one, a few small files that each include the next twice make a billion inclusions.
pub const MAX_INCLUDED_FILES: usize = 4096;
/// Most bytes of included files one control file may read, all levels together.
pub const MAX_INCLUDED_BYTES: u64 = 64 * 1024 * 1024;

impl Limits {
    pub fn program_output(&self) -> ByteSize {
        self.program_output.unwrap_or(PROGRAM_OUTPUT)
    }
    pub fn send_expect_buffer(&self) -> ByteSize {
        self.send_expect_buffer.unwrap_or(SEND_EXPECT_BUFFER)
    }
    pub fn file_content_buffer(&self) -> ByteSize {
        self.file_content_buffer.unwrap_or(FILE_CONTENT_BUFFER)
    }
    pub fn http_content_buffer(&self) -> ByteSize {
        self.http_content_buffer.unwrap_or(HTTP_CONTENT_BUFFER)
    }
    pub fn network_timeout(&self) -> Duration {
        self.network_timeout.unwrap_or(NETWORK_TIMEOUT)
    }
    pub fn program_timeout(&self) -> Duration {
        self.program_timeout.unwrap_or(PROGRAM_TIMEOUT)
    }
    pub fn stop_timeout(&self) -> Duration {
        self.stop_timeout.unwrap_or(STOP_TIMEOUT)
    }
    pub fn start_timeout(&self) -> Duration {
        self.start_timeout.unwrap_or(START_TIMEOUT)
    }
    pub fn restart_timeout(&self) -> Duration {
        self.restart_timeout.unwrap_or(RESTART_TIMEOUT)
    }
}
