//! What a reload changed, by service name: `added: x`, `removed: y`, `changed: z` lines
//! (a service whose definition differs in any way counts as changed), and whether the
//! global settings changed. Services not listed keep their state: the engine restarts
//! them from the state carried over, without running any program.

use crate::config::Config;

/// The changes from `old` to `new`, one line each; `no changes` when there are none.
pub fn changes(old: &Config, new: &Config) -> String {
    let mut lines = Vec::new();
    for service in &new.services {
        match old.services.iter().find(|s| s.name == service.name) {
            None => lines.push(format!("added: {}", service.name)),
            Some(before) if before != service => lines.push(format!("changed: {}", service.name)),
            Some(_) => {}
        }
    }
    for service in &old.services {
        if !new.services.iter().any(|s| s.name == service.name) {
            lines.push(format!("removed: {}", service.name));
        }
    }
    let settings = |c: &Config| Config { services: Vec::new(), ..c.clone() };
    if settings(old) != settings(new) {
        lines.push("changed: global settings".to_owned());
    }
    if lines.is_empty() {
        lines.push("no changes".to_owned());
    }
    lines.sort_by_key(|line| !line.starts_with("added"));
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config
    }

    #[test]
    fn added_removed_and_changed_services() {
        let old = config("check process web pidfile /w\ncheck process api pidfile /a\ncheck file log path /l\n");
        let new = config(
            "check process web pidfile /w\ncheck process api pidfile /a\n if cpu > 90% then alert\n\
             check process db pidfile /d\n",
        );
        assert_eq!(changes(&old, &new), "added: db\nchanged: api\nremoved: log\n");
        assert_eq!(changes(&old, &old), "no changes\n");
        let settings = config(
            "set daemon 7\ncheck process web pidfile /w\ncheck process api pidfile /a\ncheck file log path /l\n",
        );
        assert_eq!(changes(&old, &settings), "changed: global settings\n");
    }
}
