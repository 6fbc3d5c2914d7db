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
    #[test]
    fn paging_out_our_own_code_keeps_us_running() {
        super::release_startup_pages();
        // Code and constants still work after their pages were given back.
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
