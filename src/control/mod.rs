//! Where the router is served: the unix control socket (mode 0600, clients checked by
//! peer credentials), and the client the CLI uses to talk to it.

pub mod client;
pub mod server;
