//! Giving back the pages start-up needed. Parsing the control file, setting up the runtime
//! and the first cycle run code that a running daemon never needs again, and the kernel
//! maps the executable in 64 KiB chunks around each fault: a few seconds after start, most
//! of the binary is resident (about 5 MiB of 8). Once running, rmonit tells the kernel it
//! can reclaim those pages (`MADV_PAGEOUT` on its own read-only file mappings); the code
//! the cycles use comes back on its next fault, about 1 MiB of it.

/// Advises the kernel to reclaim the resident pages of the executable's file mappings.
/// Harmless if the kernel lacks `MADV_PAGEOUT` (before Linux 5.4): nothing happens.
pub fn release_startup_pages() {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return };
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else { return };
    let exe = exe.to_string_lossy().into_owned();
    for line in maps.lines().filter(|l| l.ends_with(exe.as_str())) {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
        // Only pages that are never written: code and read-only data.
        if perms.contains('w') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
            continue;
        };
        // SAFETY: the range is a whole mapping of this process, read-only and backed by the
        // executable's file; paging it out changes only where its bytes are, never what
        // they are.
        unsafe {
            let _ = rustix::mm::madvise(start as *mut std::ffi::c_void, end - start, rustix::mm::Advice::LinuxPageOut);
        }
    }
}

#[cfg(test)]
mod tests {
    /// The resident kilobytes of this process's executable mappings (from /proc/self/smaps).
    fn executable_rss_kb() -> u64 {
        let exe = std::fs::read_link("/proc/self/exe").unwrap().to_string_lossy().into_owned();
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut ours = false;
        let mut total = 0;
        for line in smaps.lines() {
            if line.contains('-') && line.split_whitespace().nth(1).is_some_and(|p| p.len() == 4) {
                ours = line.ends_with(exe.as_str());
            } else if ours && let Some(kb) = line.strip_prefix("Rss:") {
                total += kb.trim().trim_end_matches(" kB").trim().parse::<u64>().unwrap_or(0);
            }
        }
        total
    }

    #[test]
    fn the_executables_pages_are_given_back_and_come_back_on_use() {
        let before = executable_rss_kb();
        assert!(before > 0, "the test binary is resident");
        super::release_startup_pages();
        let after = executable_rss_kb();
        assert!(after < before, "resident executable pages: {before} kB before, {after} kB after");
        // Code and constants still work after their pages were given back.
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
