//! Unit tests of the renderer: quoting, and statements written so the parser reads them back.

use super::*;

#[test]
fn quoting_keeps_words_bare_and_escapes_what_must_be() {
    assert_eq!(quote("web"), "web");
    assert_eq!(quote("/run/web.pid"), "/run/web.pid");
    assert_eq!(quote("a b"), "\"a b\"");
    assert_eq!(quote("with"), "\"with\"");
    assert_eq!(quote("check"), "\"check\"");
    assert_eq!(quote("say \"hi\""), "'say \"hi\"'");
    assert_eq!(quote(r"\d+"), r"\d+");
    assert_eq!(quote(r"end\"), r"end\");
    assert_eq!(quote_always(r"end\"), r#""end\\""#);
    assert_eq!(quote_always(r"a\b"), r#""a\b""#);
    assert_eq!(quote("p#w"), "\"p#w\"");
}

#[test]
fn rules_render_in_monit_syntax() {
    let rule = Rule {
        test: Test::Resource { metric: Metric::Cpu, limit: Comparison::new(Operator::Gt, Quantity::percent(80.0)) },
        tolerance: Some(Tolerance { count: 3, cycles: 5 }),
        action: Action::Restart,
        recovery: Some(Recovery { tolerance: None, action: Action::Alert }),
    };
    assert_eq!(rule_text(&rule), "if cpu > 80% for 3 times within 5 cycles then restart else if succeeded then alert");
}

#[test]
fn a_rendered_file_parses_back_to_the_same_model() {
    let text = "set daemon 30 with start delay 10\nset httpd port 2812 use address 127.0.0.1 allow admin:\"p w\"\n\
            check process web with pidfile /run/web.pid\n start program = \"/etc/init.d/web start\" as uid www with timeout 60 seconds with ready notification\n\
            if failed host 127.0.0.1 port 80 protocol http request \"/x y\" status = 200 http headers [X: a, Y: \"b:c\"] then restart\n\
            if totalmem > 200 MB for 3 cycles then alert else if succeeded 2 cycles then exec \"/bin/ok\" repeat every 2 cycles\n\
            if 3 restarts within 5 cycles then unmonitor\n depends on db\n group www\n every \"*/5 * * * *\"\n\
            check process db matching \"postgres: .* main\"\n alert ops@example.com not { action } with reminder on 5 cycles\n";
    let first = crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config;
    let rendered = to_monitrc(&first);
    let second = crate::config::load_str("/x/monitrc", &rendered, crate::config::LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n---\n{rendered}"))
        .config;
    assert_eq!(first, second, "\n{rendered}");
}

#[test]
fn effective_shows_implicit_rules_as_comments() {
    let config = crate::config::load_str(
        "/x/monitrc",
        "check process web pidfile /run/web.pid\n",
        crate::config::LoadOptions::default(),
    )
    .unwrap()
    .config;
    let text = effective(&config);
    assert!(text.contains("#   implicit: if does not exist then restart"), "{text}");
}

#[test]
fn every_tls_version_spelling_renders_as_it_was_read() {
    // (as written, as rendered): words are kept lowercased, in order.
    let cases = [
        ("auto", "auto"),
        ("sslauto", "sslauto"),
        ("AUTO", "auto"),
        ("tlsv1", "tlsv1"),
        ("tlsv11", "tlsv11"),
        ("tlsv12", "tlsv12"),
        ("TLSv12", "tlsv12"),
        ("tlsv13", "tlsv13"),
        ("\"TLSv1.2\"", "tlsv1.2"),
        ("\"tlsv1.3\"", "tlsv1.3"),
        ("tlsv12 tlsv13", "tlsv12 tlsv13"),
        ("auto -tlsv1 -tlsv11", "auto -tlsv1 -tlsv11"),
        ("-sslv3 tlsv13", "-sslv3 tlsv13"),
    ];
    for (written, rendered) in cases {
        let text = format!("set ssl {{ version: {written} }}\n");
        let first = crate::config::load_str("/x/monitrc", &text, crate::config::LoadOptions::default())
            .unwrap_or_else(|e| panic!("{written}: {e}"))
            .config;
        let out = to_monitrc(&first);
        assert!(out.contains(&format!("set ssl {{ version: {rendered} }}")), "{written}:\n{out}");
        let second = crate::config::load_str("/x/monitrc", &out, crate::config::LoadOptions::default()).unwrap().config;
        assert_eq!(first, second, "{written}");
    }
    // The clause of a connection test, with and without a block.
    for (clause, rendered) in [
        ("tlsv1", "version: tlsv1"),
        ("tlsv11", "version: tlsv11"),
        ("tlsv12", "version: tlsv12"),
        ("tlsv13", "version: tlsv13"),
        ("auto", "version: auto"),
        ("sslauto", "version: sslauto"),
        ("tlsv12 with options { version: tlsv13 }", "version: tlsv12 tlsv13"),
    ] {
        let text = format!("check host h with address 127.0.0.1\n if failed port 443 {clause} then alert\n");
        let first = crate::config::load_str("/x/monitrc", &text, crate::config::LoadOptions::default())
            .unwrap_or_else(|e| panic!("{clause}: {e}"))
            .config;
        let out = to_monitrc(&first);
        assert!(out.contains(&format!("ssl with options {{ {rendered} }}")), "{clause}:\n{out}");
        let second = crate::config::load_str("/x/monitrc", &out, crate::config::LoadOptions::default()).unwrap().config;
        assert_eq!(first, second, "{clause}");
    }
}
