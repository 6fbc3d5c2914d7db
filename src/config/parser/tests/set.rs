//! Tests of the global `set` statements: daemon, logging, event queue and limits, mail
//! servers, alerts and formats, httpd with every `allow` form, SSL and M/Monit.

use super::*;

#[test]
fn set_daemon_with_start_delay_and_milliseconds() {
    let config = parse("set daemon 120 with start delay 240");
    assert_eq!(
        config.daemon,
        Some(DaemonConfig { interval: Duration::from_secs(120), start_delay: Some(Duration::from_secs(240)) })
    );
    let config = parse("SET DAEMON 500 milliseconds");
    assert_eq!(config.daemon.unwrap().interval, Duration::from_millis(500));
    assert_eq!(errors("set daemon 0"), ["1:12: the poll interval must be at least 100 milliseconds"]);
}

#[test]
fn set_log_files_and_flags() {
    let config = parse(
        "set log syslog facility log_local0\nset pidfile /run/m.pid\nset idfile /var/lib/m.id\n\
         set statefile /var/lib/m.state\nset init\nset terminal batch\nset fips\nset onreboot laststate",
    );
    assert_eq!(config.log, Some(LogConfig::Syslog { facility: Some("log_local0".into()) }));
    assert_eq!(config.pidfile.as_deref(), Some("/run/m.pid"));
    assert_eq!(config.idfile.as_deref(), Some("/var/lib/m.id"));
    assert_eq!(config.statefile.as_deref(), Some("/var/lib/m.state"));
    assert!(config.init && config.terminal_batch && config.fips);
    assert_eq!(config.onreboot, Some(OnReboot::Laststate));
    assert_eq!(parse("set logfile /var/log/monit.log").log, Some(LogConfig::File("/var/log/monit.log".into())));
}

#[test]
fn set_eventqueue_and_limits() {
    let config = parse(
        "set eventqueue basedir /var/monit slots 100\n\
         set limits { programOutput: 1 kB, sendExpectBuffer: 512 B, fileContentBuffer: 1 kB,\n\
         httpContentBuffer: 2 MB, networkTimeout: 10 s, programTimeout: 120 s, stopTimeout: 5 s,\n\
         startTimeout: 60 s, restartTimeout: 90 s }",
    );
    assert_eq!(config.eventqueue, Some(EventQueueConfig { basedir: Some("/var/monit".into()), slots: Some(100) }));
    let l = &config.limits;
    assert_eq!(l.program_output, Some(ByteSize { bytes: 1024 }));
    assert_eq!(l.send_expect_buffer, Some(ByteSize { bytes: 512 }));
    assert_eq!(l.http_content_buffer, Some(ByteSize { bytes: 2 << 20 }));
    assert_eq!(l.network_timeout, Some(Duration::from_secs(10)));
    assert_eq!(l.program_timeout, Some(Duration::from_secs(120)));
    assert_eq!(l.start_timeout(), Duration::from_secs(60));
    assert_eq!(l.restart_timeout, Some(Duration::from_secs(90)));
    assert_eq!(Limits::default().stop_timeout(), Duration::from_secs(30));
}

#[test]
fn set_mailserver_list_with_options() {
    let config = parse(
        "set mailserver smtp.a.com port 587 username \"u\" password \"p\" using tls, \
         smtp.b.com port 465 using ssl with options { verify: enable, selfsigned: reject }, localhost \
         with timeout 15 seconds using hostname \"mon.example.com\"",
    );
    let mail = config.mail.unwrap();
    assert_eq!(mail.servers.len(), 3);
    assert_eq!(mail.servers[0].host, "smtp.a.com");
    assert_eq!(mail.servers[0].port, Some(587));
    assert_eq!(mail.servers[0].username.as_deref(), Some("u"));
    assert_eq!(mail.servers[0].ssl, Some(SslOptions::default()));
    assert_eq!(mail.servers[1].ssl.as_ref().unwrap().verify, Some(true));
    assert_eq!(mail.servers[1].ssl.as_ref().unwrap().selfsigned, Some(false));
    assert_eq!(mail.servers[2].host, "localhost");
    assert_eq!(mail.timeout, Some(Duration::from_secs(15)));
    assert_eq!(mail.hostname.as_deref(), Some("mon.example.com"));
}

#[test]
fn set_alert_with_filters_format_and_reminder() {
    let config = parse(
        "set alert ops@example.com only on { nonexist, timeout, resource } with reminder on 10 cycles\n\
         set alert boss@example.com but not on { action, instance }\n\
         set alert dev@example.com with mail-format { subject: [$SERVICE] $EVENT }",
    );
    let a = &config.alerts;
    assert_eq!(a[0].to, AlertTarget::Email("ops@example.com".into()));
    assert_eq!(
        a[0].events,
        EventFilter { not: false, events: vec![EventKind::Nonexist, EventKind::Timeout, EventKind::Resource] }
    );
    assert_eq!(a[0].reminder, Some(10));
    assert_eq!(a[1].events, EventFilter { not: true, events: vec![EventKind::Action, EventKind::Instance] });
    assert_eq!(a[2].mail_format.as_ref().unwrap().subject.as_deref(), Some("[$SERVICE] $EVENT"));
}

#[test]
fn set_alert_webhook_extension() {
    let config = parse(
        "set alert webhook \"https://hooks.example/x\" format slack header \"Authorization: Bearer t\" { nonexist }",
    );
    let AlertTarget::Webhook(hook) = &config.alerts[0].to else { panic!("webhook expected") };
    assert_eq!(hook.url, "https://hooks.example/x");
    assert_eq!(hook.format, WebhookFormat::Slack);
    assert_eq!(hook.headers, ["Authorization: Bearer t"]);
    assert_eq!(config.alerts[0].events.events, [EventKind::Nonexist]);
    assert_eq!(
        errors("set alert webhook \"ftp://x\""),
        ["1:19: a webhook URL must start with http:// or https://, not 'ftp://x'"]
    );
}

#[test]
fn set_mail_format_block_with_multiline_message() {
    let config = parse(
        "set mail-format {\n  from: Monit <monit@example.com>\n  reply-to: ops@example.com\n  subject: $SERVICE $EVENT at $DATE\n  \
         message: Monit $ACTION $SERVICE at $DATE on $HOST: $DESCRIPTION.\n  Yours sincerely,\n  monit\n}\nset daemon 5",
    );
    let f = config.mail_format.unwrap();
    assert_eq!(f.from.as_deref(), Some("Monit <monit@example.com>"));
    assert_eq!(f.reply_to.as_deref(), Some("ops@example.com"));
    assert_eq!(f.subject.as_deref(), Some("$SERVICE $EVENT at $DATE"));
    assert_eq!(
        f.message.as_deref(),
        Some("Monit $ACTION $SERVICE at $DATE on $HOST: $DESCRIPTION.\n  Yours sincerely,\n  monit")
    );
    assert_eq!(config.daemon.unwrap().interval, Duration::from_secs(5));
}

#[test]
fn set_httpd_with_every_allow_form() {
    let config = parse(
        "set httpd port 2812 read-only and use address 127.0.0.1\n\
         unixsocket /run/monit.sock uid root gid 0 permission 0660\n\
         ssl { pemfile: /etc/ssl/monit.pem, selfsigned: allow }\n\
         signature disable\n\
         allow admin:monit\n allow guest:\"p@ss:w#rd\" read-only\n allow @monit\n allow @users readonly\n\
         allow md5 /etc/htpasswd admin bob\n allow /etc/htpasswd.plain\n allow 10.0.0.0/8\n allow ::1\n allow localhost\n\
         allow admin:\"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA\"",
    );
    let h = config.httpd.unwrap();
    assert_eq!(h.port, Some(2812));
    assert!(h.port_read_only);
    assert_eq!(h.address.as_deref(), Some("127.0.0.1"));
    let socket = h.unixsocket.unwrap();
    assert_eq!(
        (socket.path.as_str(), socket.uid.as_deref(), socket.gid.as_deref(), socket.permission),
        ("/run/monit.sock", Some("root"), Some("0"), Some(0o660))
    );
    assert_eq!(h.ssl.unwrap().pemfile.as_deref(), Some("/etc/ssl/monit.pem"));
    assert_eq!(h.signature, Some(false));
    assert_eq!(
        h.allow,
        vec![
            Allow::User { user: "admin".into(), password: "monit".into(), read_only: false },
            Allow::User { user: "guest".into(), password: "p@ss:w#rd".into(), read_only: true },
            Allow::Group { group: "monit".into(), read_only: false },
            Allow::Group { group: "users".into(), read_only: true },
            Allow::Htpasswd {
                path: "/etc/htpasswd".into(),
                hash: Some(HtpasswdHash::Md5),
                users: vec!["admin".into(), "bob".into()],
                read_only: false
            },
            Allow::Htpasswd { path: "/etc/htpasswd.plain".into(), hash: None, users: vec![], read_only: false },
            Allow::Host("10.0.0.0/8".into()),
            Allow::Host("::1".into()),
            Allow::Host("localhost".into()),
            Allow::User {
                user: "admin".into(),
                password: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                read_only: false
            },
        ]
    );
}

#[test]
fn set_ssl_and_mmonit() {
    let config = parse(
        "set ssl { version: tlsv12 tlsv13, verify: enable, cacertificatefile: /etc/ssl/ca.pem, ciphers: \"HIGH\" }\n\
         set mmonit https://monit:monit@mmonit.example:8443/collector with timeout 10 seconds and register without credentials",
    );
    let ssl = config.ssl.unwrap();
    assert_eq!(ssl.versions, ["tlsv12", "tlsv13"]);
    assert_eq!(ssl.verify, Some(true));
    assert_eq!(ssl.ciphers.as_deref(), Some("HIGH"));
    assert_eq!(ssl.cacertificatefile.as_deref(), Some("/etc/ssl/ca.pem"));
    let m = &config.mmonit[0];
    assert_eq!(m.url, "https://monit:monit@mmonit.example:8443/collector");
    assert_eq!(m.timeout, Some(Duration::from_secs(10)));
    assert!(m.register_without_credentials);
}

#[test]
fn statements_read_but_not_applied_say_so_at_their_line() {
    let text = "set fips\nset mmonit https://m:x@127.0.0.1:8080/collector ssl { verify: enable, pemfile: /x.pem }\nset expectbuffer 1 kB\n\
                set limits { programOutput: 1 kB, sendExpectBuffer: 1 kB, httpContentBuffer: 2 MB, networkTimeout: 5 s }\n\
                set ssl { ciphers: \"HIGH:AES128-SHA\", cacertificatepath: /etc/ssl/certs }\n";
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(Path::new("monitrc"), text.to_owned(), &mut sources, &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    let at: Vec<(usize, &str)> = parsed
        .unapplied
        .iter()
        .map(|(span, message)| (span.start as usize, message.split(' ').next().unwrap_or_default()))
        .collect();
    let offset = |word: &str| text.find(word).unwrap();
    // A collector's `verify` is applied; its client certificate is not.
    assert_eq!(at, [(offset("fips"), "set"), (offset("ssl {"), "pemfile"), (offset("\"HIGH"), "ciphers:"),]);
    // Applied statements say nothing.
    let applied = "set expectbuffer 1 kB\nset limits { networkTimeout: 5 s, programOutput: 1 kB, \
                   sendExpectBuffer: 1 kB, httpContentBuffer: 2 MB }\n\
                   set ssl { ciphers: \"HIGH:!aNULL:ECDHE-RSA-AES128-GCM-SHA256\" }\n";
    let quiet = parse_text(Path::new("monitrc"), applied.to_owned(), &mut sources, &mut diags);
    assert!(quiet.unapplied.is_empty());
}

#[test]
fn unapplied_statements_are_warnings_of_a_load() {
    let loaded = crate::config::load_str("/x/monitrc", "set fips\n", crate::config::LoadOptions::default()).unwrap();
    let warning = loaded.warnings.warnings().next().expect("a warning");
    assert_eq!(warning.message, "set fips is not applied: rmonit's TLS (rustls) has no FIPS mode");
    assert_eq!(warning.span.map(|s| s.start), Some(4));
}

#[test]
fn tls_versions_rustls_lacks_say_what_happens_instead() {
    let text = "set ssl { version: tlsv1 tlsv12 }\ncheck host h with address 127.0.0.1\n if failed port 1 ssl { version: tlsvx } then alert\n";
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(Path::new("monitrc"), text.to_owned(), &mut sources, &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    let messages: Vec<(usize, &str)> = parsed.unapplied.iter().map(|(s, m)| (s.start as usize, m.as_str())).collect();
    assert_eq!(
        messages,
        [
            (
                text.find("tlsv1 ").unwrap(),
                "tlsv1 is not applied: rustls has no TLS 1.0 or 1.1, so connections use TLS 1.2 or 1.3"
            ),
            (
                text.find("tlsvx").unwrap(),
                "'tlsvx' is not a TLS version (tlsv12, tlsv13, auto, or -VERSION to remove one): connections with these options fail"
            ),
        ]
    );
}

#[test]
fn unchecked_rules_and_options_warn_at_their_word() {
    let text = "set mailserver mail.example.com port 465 using tls certificate checksum sha256 \
                d0c7dc34a2ba7fd8d6d0adbb5b6bfd6ef0ea0c5d5d1f0ed07e1f5d5d3a1c8d9e\n\
                set httpd port 2812 with ssl { pemfile: /etc/ssl/p.pem, clientpemfile: /etc/ssl/c.pem }\n \
                allowselfcertification\n allow admin:x\n\
                check process p with pidfile /run/p.pid\n if failed security attribute \"system_u:httpd_t\" then alert\n \
                if failed port 3306 protocol mysql rsakey checksum md5 d41d8cd98f00b204e9800998ecf8427e then alert\n";
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(Path::new("monitrc"), text.to_owned(), &mut sources, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.errors().map(|d| &d.message).collect::<Vec<_>>());
    let at: Vec<usize> = parsed.unapplied.iter().map(|(span, _)| span.start as usize).collect();
    let find = |word: &str| text.find(word).unwrap();
    assert_eq!(at, [find("rsakey")], "{:?}", parsed.unapplied);
}

#[test]
fn tls_options_that_do_nothing_where_they_stand_warn() {
    let text = "set httpd port 2812 with ssl { pemfile: /etc/ssl/p.pem, verify: enable } allow admin:x\n\
                check host h with address 127.0.0.1\n  \
                if failed port 443 type tcpssl with ssl options { pemfile: /etc/ssl/p.pem } then alert\n\
                check host g with address 127.0.0.1\n  \
                if failed port 443 type tcpssl with ssl options { clientpemfile: /etc/ssl/c.pem } then alert\n";
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let parsed = parse_text(Path::new("monitrc"), text.to_owned(), &mut sources, &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    let messages: Vec<&str> = parsed.unapplied.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("verify is not applied to the web interface"), "{messages:?}");
    assert!(messages[1].starts_with("pemfile is not applied to a connection test"), "{messages:?}");
}
