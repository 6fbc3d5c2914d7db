//! `protocol default` (and no protocol at all): the connection itself is the test, nothing is
//! sent (reference §3.2). UDP's one-byte probe is sent by the connection machinery.

use super::Session;

/// Succeeds: being connected is all this protocol asks.
pub async fn check(_session: &mut Session<'_>) -> Result<(), String> {
    Ok(())
}
