//! Round trips: every valid corpus file, monitrc.example and checks/*.monitrc rendered back
//! to monitrc and to YAML parse to the same model.

use rmonit::config::{self, LoadOptions, render, yaml};

use crate::util::repo_root;

const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: true };

fn shipped_and_corpus() -> Vec<std::path::PathBuf> {
    let mut files = crate::corpus::corpus("valid");
    let root = repo_root();
    files.push(root.join("monitrc.example"));
    if let Ok(dir) = std::fs::read_dir(root.join("checks")) {
        let mut checks: Vec<_> =
            dir.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "monitrc")).collect();
        checks.sort();
        files.extend(checks);
    }
    files
}

#[test]
fn monitrc_and_yaml_round_trips_give_the_same_model() {
    let mut failures = Vec::new();
    for path in shipped_and_corpus() {
        let Ok(loaded) = config::load(&path, OPTIONS) else { continue };
        let model = loaded.config;
        let name = path.display().to_string();
        let text = render::to_monitrc(&model);
        match config::load_str(&format!("{name}.rendered"), &text, OPTIONS) {
            Ok(again) if again.config == model => {}
            Ok(_) => failures.push(format!("{name}: monitrc round trip changed the model\n{text}")),
            Err(e) => failures.push(format!("{name}: rendered monitrc does not parse: {e}\n{text}")),
        }
        let yaml_text = yaml::to_yaml(&model).unwrap();
        match config::load_str(&format!("{name}.yml"), &yaml_text, OPTIONS) {
            Ok(again) if again.config == model => {}
            Ok(_) => failures.push(format!("{name}: YAML round trip changed the model\n{yaml_text}")),
            Err(e) => failures.push(format!("{name}: YAML does not parse: {e}\n{yaml_text}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
