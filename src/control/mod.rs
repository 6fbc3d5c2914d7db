//! Where the router ([`crate::http::router`]) is served, and how the CLI reaches it. Two
//! listeners share one connection server:
//!
//! - [`unix`]: the control socket (mode 0600), clients checked by their peer credentials;
//! - [`tcp`]: `set httpd port`, with the host ACL at accept, [`admission`] limits, and
//!   TLS ([`tls`]);
//! - [`connection`]: serves one accepted stream, any of them, with its
//!   [`crate::http::lockdown::Transport`] in every request and deadlines for request heads;
//! - [`refusals`]: both listeners' log of refused clients, summarised;
//! - [`client`]: the CLI's side of the socket.

pub mod admission;
pub mod client;
pub mod connection;
pub mod refusals;
pub mod tcp;
pub mod tls;
pub mod unix;
pub mod wire;
