//! Rendered status pages, kept until the status board changes or the clock's second turns
//! (the pages show uptimes). Monitoring tools poll `/_status?format=xml` many times a second
//! while the board changes a few times per cycle, so most requests are a lookup instead of
//! a snapshot and a render.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;

/// The most pages kept (the cache is emptied when full: keys come from clients).
const MAX_ENTRIES: usize = 256;

#[derive(Debug)]
struct Entry {
    generation: u64,
    second: u64,
    body: Bytes,
}

/// Pages by request key.
#[derive(Debug, Default)]
pub struct RenderCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl RenderCache {
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The page for `key` at board `generation`, rendered by `render` if not kept. A render
    /// that fails is not kept.
    pub fn get_or_render<E>(
        &self,
        key: String,
        generation: u64,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Bytes, E> {
        let second = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(entry) = entries.get(&key)
                && entry.generation == generation
                && entry.second == second
            {
                return Ok(entry.body.clone());
            }
        }
        let body = Bytes::from(render()?);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, Entry { generation, second, body: body.clone() });
        Ok(body)
    }
}

/// A cache key from a request's path and parameters (the CSRF token left out).
pub fn key(path: &str, params: &[(String, String)]) -> String {
    let mut key = String::from(path);
    for (name, value) in params.iter().filter(|(n, _)| n != super::csrf::TOKEN) {
        key.push('&');
        key.push_str(name);
        key.push('=');
        key.push_str(value);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_until_the_generation_changes() {
        let cache = RenderCache::default();
        let mut renders = 0;
        let mut page = |generation: u64| {
            cache
                .get_or_render::<()>(key("/_status", &[("format".into(), "xml".into())]), generation, || {
                    renders += 1;
                    Ok(format!("page {generation}"))
                })
                .unwrap()
        };
        assert_eq!(page(1), "page 1");
        assert_eq!(page(1), "page 1");
        assert_eq!(page(2), "page 2");
        // Two renders, unless the second turned between the first two calls.
        assert!(renders == 2 || renders == 3, "{renders}");
        let failed = cache.get_or_render("k".into(), 1, || Err("no"));
        assert_eq!(failed, Err("no"));
        assert_eq!(cache.get_or_render::<()>("k".into(), 1, || Ok("yes".into())).unwrap(), "yes");
    }

    #[test]
    fn keys_leave_out_the_csrf_token() {
        let params = [("service".to_owned(), "web".to_owned()), ("securitytoken".to_owned(), "abc".to_owned())];
        assert_eq!(key("/_summary", &params), "/_summary&service=web");
    }
}
