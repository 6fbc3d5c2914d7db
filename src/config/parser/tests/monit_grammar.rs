//! Classes of disagreement with Monit 5.33's grammar found by the differential test
//! (tests/grammar_diff): one test per class, Monit's verdict on each file noted beside it.

use super::{errors, parse, service};
use crate::config::model::*;

/// The line of each error.
fn lines(text: &str) -> Vec<u32> {
    errors(text).iter().map(|e| e.split(':').next().and_then(|l| l.parse().ok()).unwrap_or(0)).collect()
}

#[test]
fn a_service_name_is_the_next_word_whatever_it_is() {
    // Monit: accepted (its lexer reads the word after `check process` as the name).
    assert_eq!(service("check process with pidfile /run/a.pid").name, "with");
    assert_eq!(service("check system as").name, "as");
    assert_eq!(service("check file check path /x").name, "check");
    // `check <word>` is a process; `check filex` a file named `x` (one token `check file`).
    let s = service("check web pidfile /run/web.pid");
    assert_eq!((s.name.as_str(), s.check.keyword()), ("web", "process"));
    let s = service("check filex path /x");
    assert_eq!((s.name.as_str(), s.check.keyword()), ("x", "file"));
    // Monit: syntax error '@' on line 1.
    assert_eq!(lines("check process a@b pidfile /x"), [1]);
}

#[test]
fn program_arguments_may_follow_the_command_unquoted() {
    // Monit: accepted; each word after the command is one more argument.
    let s = service("check program p path /bin/check --all -v\n if status != 0 then alert");
    let ServiceKind::Program(program) = &s.check else { panic!("a program") };
    assert_eq!(program.argv(), ["/bin/check", "--all", "-v"]);
    let s = service("check process a pidfile /x\n start program = \"/bin/x\" \"two words\" as uid root");
    assert_eq!(s.start.as_ref().unwrap().argv(), ["/bin/x", "two words"]);
    assert_eq!(s.start.as_ref().unwrap().uid.as_deref(), Some("root"));
    let r = &service("check file f path /x\n if changed checksum then exec /bin/n \"it's\"").rules[0];
    let Action::Exec(exec) = &r.action else { panic!("an exec") };
    assert_eq!(split_command(&exec.command), ["/bin/n", "it's"]);
    // Our extensions' statements end the list.
    let s = service("check process a pidfile /x\n stop program = \"/bin/x stop\"\n environment PORT = \"1\"");
    assert_eq!(s.stop.as_ref().unwrap().argv(), ["/bin/x", "stop"]);
    // Monit: syntax error '5' (a number is no argument) and '=' (only before a quote).
    assert_eq!(lines("check process a pidfile /x\n start \"/bin/true\" 5"), [2]);
    assert_eq!(lines("check process a pidfile /x\n start program = /bin/true"), [2]);
    assert_eq!(lines("check process a pidfile /x\n start program program = \"/bin/true\""), [2]);
    assert_eq!(lines("check process a pidfile /x\n start = program \"/bin/true\""), [2]);
}

#[test]
fn keywords_and_relative_paths_are_no_target() {
    // Monit: syntax error on line 1 for each (PATH wants a leading '/', STRING no keyword).
    for text in [
        "check process a pidfile start",
        "check process a pidfile \"x.pid\"",
        "check file a path \"x\"",
        "check device a path basedir",
        "check process a matching start",
        "check network a interface up",
        "check host a address \"/x\"",
        "set pidfile run.pid",
        "set httpd unixsocket timestamp",
        "set mailserver set",
        "set httpd port 2812\n allow timeout",
    ] {
        assert_eq!(lines(text).first(), Some(&text.lines().count().try_into().unwrap()), "{text}");
    }
    // Monit: accepted.
    parse(
        "check filesystem a path srv\ncheck process b matching /usr/sbin/b\ncheck host h address 2001:db8::1\n if failed ping then alert",
    );
}

#[test]
fn dependencies_are_separated_by_commas() {
    // Monit: accepted; a keyword names a service in a dependency list.
    let config = parse(
        "check process a pidfile /x\n depends on check, b\ncheck process check pidfile /y\ncheck process b pidfile /z",
    );
    assert_eq!(config.services[0].depends, ["check", "b"]);
    // Monit: accepted; `;`, `(` and `)` separate names as a comma does.
    assert_eq!(
        parse("check process a pidfile /x\n depends on b;(c\ncheck process b pidfile /y\ncheck process c pidfile /z")
            .services[0]
            .depends,
        ["b", "c"]
    );
    // Monit: syntax error 'process' on line 3: it read `check` as one more name.
    assert_eq!(lines("check process a pidfile /x\n depends on b,\ncheck process b pidfile /y")[0], 3);
    // Monit: syntax error 'b' on line 2 (a blank alone ends the list).
    assert_eq!(lines("check process a pidfile /x\n depends on c b\ncheck process c pidfile /y"), [2]);
}

#[test]
fn an_include_target_is_every_character_up_to_a_blank() {
    // Monit: accepted; `#x` is a file name there (that matches nothing), and an `include`
    // at the end of the file reads nothing.
    parse("include #nothing-here\nset daemon 30");
    parse("set daemon 30\ninclude\n");
    // Monit: syntax error 'set' on line 2: `}` was the file name, the list goes on.
    assert_eq!(lines("set alert a@b.c { action include }\nset daemon 30")[0], 2);
}

#[test]
fn keywords_are_no_pattern_send_string_or_host() {
    // Monit: syntax error on line 2 for each.
    for text in [
        "check file f path /x\n if match every then alert",
        "check host h address localhost\n if failed port 1 send expect then alert",
        "check host h address localhost\n if failed host group port 22 then alert",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
    // Monit: syntax error 'if#' on line 2: `#` inside a word starts no comment.
    assert_eq!(lines("check file f path /x\n if# changed permission then alert\n")[0], 2);
}

#[test]
fn errors_at_the_end_of_the_file_or_of_a_line_are_where_monit_finds_them() {
    // Monit: syntax error '' (the end of the file) on line 3, after the last newline.
    assert_eq!(lines("check process a pidfile /x\n if cpu > 50% then \n"), [3]);
    // Monit: syntax error on line 2, at the word after the missing password or type.
    assert_eq!(lines("set httpd port 2812 allow admin:\ncheck system s")[0], 2);
    assert_eq!(lines("check main\ncheck system s")[0], 2);
    assert_eq!(lines("check main if")[0], 1);
}

#[test]
fn quoted_protocols_empty_event_lists_and_bare_fractions_are_refused() {
    // Monit: syntax error on line 2 for each.
    for text in [
        "check host h address localhost\n if failed port 110 protocol \"pop\" then alert",
        "check host h address localhost\n if failed port 5432 protocol pgsql password secret then alert",
        "set daemon 30\nset alert a@b.c not { }",
        "check system s\n if loadavg (5min) > .2 then alert",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
}

#[test]
fn an_age_without_its_unit_is_seconds() {
    // Monit: accepted; `timestamp` and `uptime` take a bare number as seconds.
    let r = super::rules("check process a pidfile /x\n if uptime > 3 then alert");
    assert_eq!(r[0].test, Test::Uptime(super::gt(Quantity::millis(3000.0))));
    let r = super::rules("check file f path /x\n if timestamp > 24 then alert");
    assert_eq!(
        r[0].test,
        Test::Timestamp { kind: TimestampKind::Timestamp, limit: super::gt(Quantity::millis(24_000.0)) }
    );
    // Monit: syntax error 'ms' on line 2: its units there are seconds to months.
    assert_eq!(lines("check process a pidfile /x\n if uptime > 3 ms then alert"), [2]);
    // Monit: syntax error 'then' on line 2: a response time keeps its unit.
    assert_eq!(lines("check host h address localhost\n if failed port 80 and responsetime > 3 then alert"), [2]);
}

#[test]
fn an_operator_glued_to_a_word_is_one_word() {
    // Monit: syntax error '>80' on line 2 (its lexer takes the longest word).
    for text in [
        "check process a pidfile /x\n if cpu >80% then alert",
        "check process a pidfile /x\n if cpu =^ 80% then alert",
        "check process a pidfile /x\n if cpu >=80% then alert",
    ] {
        assert_eq!(lines(text), [2], "{text}");
    }
    // Monit: accepted; `!` is no word character, and a mail address keeps its brackets off.
    parse("check process a pidfile /x\n if cpu !=80% then alert");
    let config = parse("set alert <ops@example.com>");
    assert_eq!(config.alerts[0].to, AlertTarget::Email("ops@example.com".into()));
}

#[test]
fn brackets_inside_a_word_are_part_of_it() {
    // Monit: accepted; `[` and `]` open and close a list only after `http headers`.
    assert_eq!(service("check process a]b pidfile /x").name, "a]b");
    assert_eq!(service("check process [x pidfile /x").name, "[x");
    // Monit: syntax error 's]yslog' on line 1.
    assert_eq!(lines("set log s]yslog\nset daemon 30"), [1]);
}

#[test]
fn a_service_name_may_be_an_operator_a_hash_word_or_include() {
    // Monit: accepted; any word after `check <type>` is the name.
    assert_eq!(service("check process = pidfile /x").name, "=");
    assert_eq!(service("check process #x pidfile /x").name, "#x");
    assert_eq!(service("check file include path /x").name, "include");
    assert_eq!(service("check = pidfile /x").name, "=");
}

#[test]
fn noise_may_stand_between_a_number_and_its_unit() {
    // Monit: accepted; `for` is noise, so this is `timeout 5 seconds 2 cycles`.
    let r = super::rules(
        "check host h address localhost\n if failed port 22 with timeout 5 for seconds 2 cycles then alert",
    );
    assert_eq!(r[0].tolerance, Some(Tolerance { count: 2, cycles: 2 }));
}

#[test]
fn a_sender_or_reply_to_must_hold_an_address() {
    // Monit: accepted.
    for from in ["Monit <monit@example.com>", "monit@example.com", "ops", "\"Mon it\" <a@b.c>"] {
        parse(&format!("set mail-format {{ from: {from} }}"));
    }
    // Monit: missing address on line 1 (a name alone, or nothing).
    for from in ["Monit Support cycles", "", "Monit Support <>"] {
        assert_eq!(lines(&format!("set mail-format {{ from: {from}\n}}")), [1], "{from}");
    }
    assert_eq!(lines("set mail-format { reply-to: Ops Team }"), [1]);
}

#[test]
fn a_timeout_wants_its_unit_in_seconds() {
    // Monit: accepted.
    parse("check host h address localhost\n if failed port 80 with timeout 10 s then alert");
    // Monit: syntax error on line 2 for each (TIMEOUT NUMBER SECOND is its only form).
    for text in [
        "check host h address localhost\n if failed port 80 with timeout 10 then alert",
        "check host h address localhost\n if failed port 80 with timeout 1 minute then alert",
        "check host h address localhost\n if failed ping timeout 10 then alert",
        "check host h address localhost\n if failed ping count 3 timeout 10 ms then alert",
        "set mailserver localhost with timeout 10\nset daemon 30",
        "set mmonit http://a:b@h/collector with timeout 10\nset daemon 30",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
    // Monit: syntax error 'if' on line 3.
    assert_eq!(
        lines("check process a pidfile /x\n start program = \"/bin/true\" with timeout 10\n if cpu > 5% then alert")[0],
        3
    );
}

#[test]
fn a_group_name_is_the_next_word_whatever_it_is() {
    // Monit: accepted; `group` and a blank read the next word as the name.
    assert_eq!(service("check process a pidfile /x\n group include").groups, ["include"]);
    assert_eq!(service("check process a pidfile /x\n group with").groups, ["with"]);
    // Monit: syntax error '(' on line 2.
    assert_eq!(lines("check process a pidfile /x\n group (www"), [2]);
}

#[test]
fn allow_takes_a_string_a_colon_and_a_string() {
    // Monit: accepted (`allow STRING:STRING`; a quoted word is a STRING, so is a bare word
    // that is no keyword or number, and an IP address).
    for allow in ["admin:x", "admin:5s", "admin:a.b", "admin:1.2.3.4", "admin:-x", "admin : monit", "admin:\"5\""] {
        parse(&format!("set httpd port 2812\n allow {allow}"));
    }
    // Monit: syntax error on line 2: a number, a path, a mail address, a keyword, a second
    // ':', a quoted path, or `from:` (the mail-format key) where a STRING should be.
    for allow in [
        "admin:5",
        "admin:/x",
        "admin: 5",
        "admin:\"/x\"",
        "admin:a@b",
        "admin:secret",
        "admin:x:y",
        "5:x",
        "0:\"admin\"",
        "w@eb:\"x\"",
        "from:\"x\"",
    ] {
        assert_eq!(lines(&format!("set httpd port 2812\n allow {allow}")), [2], "{allow}");
    }
}

#[test]
fn a_mail_server_login_is_a_string_or_a_mail_address() {
    // Monit: accepted (`USERNAME MAILADDR | USERNAME STRING`, `PASSWORD STRING`).
    for login in ["username x password y", "username a@b.c password \"5\"", "username \"a@b\" password a.b"] {
        parse(&format!("set mailserver smtp.example.com {login}"));
    }
    // Monit: syntax error on line 1 for each, or on line 2 when nothing follows.
    for login in [
        "username 5 password y",
        "username /x",
        "username space password y",
        "username x password 5",
        "username x password a@b",
        "username x password timeout",
        "username x password \"/p\"",
        "username x password password y",
    ] {
        assert_eq!(lines(&format!("set mailserver smtp.example.com {login}")), [1], "{login}");
    }
    assert_eq!(lines("set mailserver smtp.example.com username\nset daemon 30"), [2]);
    // Monit: syntax error 'mon01.example.com': the timeout and `hostname` end the list.
    assert_eq!(lines("set mailserver a.example.com, b.example.com with timeout 5 seconds mon01.example.com"), [1]);
}

#[test]
fn an_alert_address_is_unquoted_and_has_one_at_sign() {
    // Monit: accepted (MAILADDR is `{str}@{str}`, angle brackets included).
    parse("set alert ops@example.com\nset alert <ops@example.com>");
    parse("check system s\n alert ops@example.com\n noalert dev@example.com");
    // Monit: syntax error on line 2: a quoted address is a STRING, which `alert` does not take.
    for alert in ["alert \"ops@example.com\"", "alert 'ops@example.com'", "noalert \"a@b.c\"", "alert a@b@c"] {
        assert_eq!(lines(&format!("check system s\n {alert}")), [2], "{alert}");
    }
    assert_eq!(lines("set alert <ops@example.com>!"), [1]);
    // Monit: syntax error 'ping' (and the plurals): no event of its filter list.
    for event in ["ping", "timestamps", "permissions", "checksums"] {
        assert_eq!(lines(&format!("set alert a@b.c {{ {event} }}")), [1], "{event}");
    }
    parse("set alert a@b.c { icmp fsflag exists }");
}

#[test]
fn a_limit_wants_a_colon_a_whole_number_and_a_timeouts_unit() {
    // Monit: accepted.
    parse("set limits { restartTimeout: 30 s, programTimeout: 200 ms, networkTimeout : 5 seconds }");
    parse("set limits { programOutput: 512, sendExpectBuffer: 1 kB }");
    // Monit: syntax error on line 1 ('}', 'minutes', '20s', '20', '1.5', 'stopTimeout').
    for limit in [
        "restartTimeout: 30",
        "programTimeout: 2 minutes",
        "programTimeout: 20s",
        "programTimeout 20 s",
        "programOutput: 1.5 kB",
        "programOutput: 1kB",
        "startTimeout: 30 stopTimeout: 5 s",
    ] {
        assert_eq!(lines(&format!("set limits {{ {limit} }}")), [1], "{limit}");
    }
}

#[test]
fn numbers_and_operators_are_monits() {
    // Monit: syntax error '50.' and '<>' on line 2 (its numbers are `[0-9]+([.][0-9]+)?`;
    // its lexer has no `<>`, rmonit's old spelling of `!=`).
    for rule in ["if cpu > 50.% then alert", "if cpu > 50. % then alert", "if children <> 1 then alert"] {
        assert_eq!(lines(&format!("check process p pidfile /x\n {rule}")), [2], "{rule}");
    }
    parse("check system s\n if cpu > 50.5% then alert\n if cpu != 50% then alert");
}

#[test]
fn an_equals_sign_before_a_command_stands_among_blanks_only() {
    // Monit: accepted (`start{ws}?(program)?{ws}?([=]{ws}?)?["]` is one token).
    let s = service("check process a pidfile /x\n start program =\t\"/bin/x\"\n stop program=\"/bin/y\"");
    assert_eq!(s.stop.as_ref().unwrap().argv(), ["/bin/y"]);
    // Monit: syntax error '=' on line 2: a `;` or a newline breaks that token.
    for text in [
        "check process a pidfile /x\n start program; = \"/bin/x\"",
        "check process a pidfile /x\n stop program =; \"/bin/x\"",
        "check process a pidfile /x\n stop program =\n \"/bin/x\"",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
}

#[test]
fn every_wants_its_argument_after_blanks_on_its_line() {
    // Monit: accepted.
    parse("check process a pidfile /x\n every 3 cycles\n if cpu > 9% then exec \"/bin/x\" repeat every 3 cycles");
    // Monit: invalid every format on line 2: its lexer does not count the newline after a
    // bare `every`, and takes no `,` or noise word there.
    for text in [
        "check process a pidfile /x\n every\n if cpu > 5% then alert",
        "check process a pidfile /x\n \"0 2 * * *\" every\n if cpu > 5% then alert",
        "check process a pidfile /x\n if cpu > 9% then exec \"/bin/x\" repeat every ,3 cycles",
        "check process a pidfile /x\n every for 3 cycles",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
}

#[test]
fn content_wants_an_operator_and_match_none() {
    // Monit: accepted.
    parse(
        "check file f path /x\n if content = \"a\" then alert\n if content ne \"b\" then alert\n if match \"c\" then alert",
    );
    parse("check file f path /x\n ignore match \"a\"\n ignore not match \"b\"\n ignore content != \"c\"");
    // Monit: syntax error on line 2 ('"x"', '=', 'content').
    for rule in [
        "if content \"x\" then alert",
        "if match = \"x\" then alert",
        "if not content = \"x\" then alert",
        "ignore content \"x\"",
        "ignore match = \"x\"",
    ] {
        assert_eq!(lines(&format!("check file f path /x\n {rule}")), [2], "{rule}");
    }
}

#[test]
fn urls_are_unquoted_and_accounts_no_paths() {
    // Monit: syntax error on line 2 ('"http://..."', '/x', '"/x"'): its lexer reads a URL
    // only unquoted, and `uid`/`gid` take a STRING or a NUMBER.
    for text in [
        "set daemon 30\nset mmonit \"http://a:b@h:8080/collector\"",
        "check host h address localhost\n if failed url \"http://localhost/\" then alert",
        "check process a pidfile /x\n if failed uid \"/x\" then alert",
        "check process a pidfile /x\n start \"/bin/x\" as uid /x",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
    parse("check process a pidfile /x\n if failed uid 0 then alert\n start \"/bin/x\" as uid root gid 0");
}

#[test]
fn a_string_over_lines_is_reported_where_it_ends() {
    // Monit: syntax error '"seconds ...' on line 4: it counts the string's newlines first.
    let text = "check process a pidfile /x\n stop \"/bin/x\" with timeout 60 \"seconds\n if cpu > 5% then alert\n if cpu > 6% then \"alert\"";
    assert_eq!(lines(text).first(), Some(&4));
    assert!(errors(text)[0].contains("from line 2"), "{:?}", errors(text));
}

#[test]
fn ignore_is_for_files_and_programs() {
    // Monit: accepted.
    parse("check file f path /x\n ignore content = \"a\"\ncheck program p path /bin/true\n ignore match \"b\"");
    // Monit: syntax error 'ignore' on line 2.
    for check in ["check process a pidfile /x", "check host h address localhost", "check system s"] {
        assert_eq!(lines(&format!("{check}\n ignore content = \"x\"")).first(), Some(&2), "{check}");
    }
}

#[test]
fn check_at_the_end_of_a_line_is_an_argument() {
    // Monit: accepted (`check` starts a service only before a blank: `check[ \t]+`).
    let r = &super::rules("check process a pidfile /x\n if cpu > 9% then exec check\n if cpu > 5% then alert")[0];
    let Action::Exec(exec) = &r.action else { panic!("an exec") };
    assert_eq!(exec.command, "check");
    // Monit: syntax error on line 2 (`check a` starts a service, whose name `pidfile` is not).
    assert_eq!(lines("check process a pidfile /x\n if cpu > 9% then exec check a pidfile /y").first(), Some(&2));
}

#[test]
fn check_depends_and_group_at_the_end_of_a_line_are_strings() {
    // Monit: accepted (`check[ \t]+`, `depend(s)?[ \t]+`, `group[ \t]+` need the blank).
    parse("check process office matching check\n if cpu > 5% then alert");
    parse("check filesystem f path depends\n if space > 90% then alert");
    parse("check host h address group\n if failed ping then alert");
}

#[test]
fn strings_where_monit_wants_a_string_or_a_number() {
    // Monit: syntax error on line 2 for each: a quoted mode ('"0644"'), `repeat every`
    // without its number, a path or keyword where a STRING goes, `allow 10%`.
    for text in [
        "check file f path /x\n if failed permission \"0644\" then alert",
        "check file f path /x\n permission \"0644\"",
        "check process a pidfile /x\n if cpu > 9% then exec \"/bin/x\" repeat every cycles",
        "check host h address localhost\n if failed port 80 send /run/x.pid expect \"y\" then alert",
        "check host h address localhost\n if failed host \"/\" port 80 then alert",
        "check host h address localhost\n if failed port 80 protocol http hostheader failed then alert",
        "set httpd port 2812\n allow 10%",
    ] {
        assert_eq!(lines(text).first(), Some(&2), "{text}");
    }
    // Monit: syntax error 'allow' on line 3: `program` is noise, so the password is missing.
    assert_eq!(lines("set httpd port 2812\n allow admin:program\n allow web:x").first(), Some(&3));
}

#[test]
fn check_before_no_blank_starts_no_service() {
    // Monit: syntax error 'check' on line 2 (a lone `check` is a STRING there).
    assert_eq!(errors("check process a pidfile /x\n check\ncheck process b pidfile /y").len(), 1);
    assert_eq!(lines("check process a pidfile /x\n check\ncheck process b pidfile /y"), [2]);
    // Monit: accepted (`check:` is a STRING and a colon).
    parse("set httpd port 2812\n allow check:x");
}
