//! docs/fleet.md's Prometheus configuration and rules, as written there, checked by Debian's
//! `promtool`: `check config` and `check rules` accept them, and `test rules` shows the
//! alerts fire on the series rmonit exposes (a service down for 5 minutes, a restart loop,
//! rmonit gone) and stay quiet on a healthy host.

use std::path::Path;
use std::process::Command;

const PROMTOOL: &str = "/usr/bin/promtool";

/// The YAML blocks of docs/fleet.md, in order.
fn yaml_blocks() -> Vec<String> {
    let text = std::fs::read_to_string(crate::util::repo_root().join("docs/fleet.md")).expect("docs/fleet.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

fn promtool(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(PROMTOOL).args(args).current_dir(dir).output().expect("promtool");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

const RULE_TESTS: &str = r#"rule_files:
  - rmonit-rules.yml
evaluation_interval: 30s
tests:
  - interval: 30s
    input_series:
      - series: 'rmonit_service_up{job="rmonit",instance="web1:2812",service="nginx",type="process"}'
        values: '1 1 0x12'
      - series: 'rmonit_service_up{job="rmonit",instance="web1:2812",service="data",type="file"}'
        values: '1x14'
      - series: 'rmonit_process_pid{job="rmonit",instance="web1:2812",service="php",type="process"}'
        values: '100 101 102 103 104 105 106 107'
      - series: 'up{job="rmonit",instance="web2:2812"}'
        values: '0x12'
      - series: 'up{job="rmonit",instance="web1:2812"}'
        values: '1x12'
    alert_rule_test:
      - eval_time: 6m
        alertname: RmonitServiceDown
        exp_alerts:
          - exp_labels: {severity: critical, job: rmonit, instance: "web1:2812", service: nginx, type: process}
            exp_annotations:
              summary: "nginx on web1:2812 has failed for 5 minutes"
      - eval_time: 4m
        alertname: RmonitRestartLoop
        exp_alerts:
          - exp_labels: {severity: warning, job: rmonit, instance: "web1:2812", service: php, type: process}
            exp_annotations:
              summary: "php on web1:2812 was restarted 7 times in 15 minutes"
      - eval_time: 6m
        alertname: RmonitGone
        exp_alerts:
          - exp_labels: {severity: critical, job: rmonit, instance: "web2:2812"}
            exp_annotations:
              summary: "rmonit on web2:2812 does not answer: nothing watches that host"
      - eval_time: 6m
        alertname: RmonitAlertQueueGrowing
        exp_alerts: []
    promql_expr_test:
      - expr: rmonit:services_failed:count
        eval_time: 6m
        exp_samples:
          - labels: 'rmonit:services_failed:count{instance="web1:2812"}'
            value: 1
"#;

#[test]
fn the_documented_prometheus_configuration_and_rules_pass_promtool() {
    if !Path::new(PROMTOOL).exists() {
        crate::util::skip("Debian's prometheus (promtool) is not installed (bash .ci/run installs it)");
        return;
    }
    let blocks = yaml_blocks();
    assert_eq!(blocks.len(), 2, "docs/fleet.md has the scrape configuration and the rules");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The files the configuration names, where the test can make them.
    let config = blocks[0].replace("/etc/prometheus/", &format!("{}/", d.display()));
    std::fs::write(d.join("rmonit.password"), "secret\n").unwrap();
    let (cert, _) = crate::util::self_signed(d);
    std::fs::copy(cert, d.join("rmonit-ca.pem")).unwrap();
    std::fs::write(d.join("prometheus.yml"), config).unwrap();
    std::fs::write(d.join("rmonit-rules.yml"), &blocks[1]).unwrap();

    let (ok, said) = promtool(d, &["check", "rules", "rmonit-rules.yml"]);
    assert!(ok && said.contains("SUCCESS: 7 rules found"), "{said}");
    let (ok, said) = promtool(d, &["check", "config", "prometheus.yml"]);
    assert!(ok && said.contains("SUCCESS"), "{said}");
    std::fs::write(d.join("rules-test.yml"), RULE_TESTS).unwrap();
    let (ok, said) = promtool(d, &["test", "rules", "rules-test.yml"]);
    assert!(ok, "{said}");
}
