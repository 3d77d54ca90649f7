//! Print the LiveMatch CustomResourceDefinition as YAML, or write it to
//! each file named.
//!
//! ```text
//! cargo run -p livematch-crd --bin crdgen -- crds/livematch.yaml k8s/base/crd.yaml  # the committed copies
//! cargo run -p livematch-crd --bin crdgen                                           # to stdout
//! ```

use std::io::Write;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    const USAGE: &str = "usage: crdgen [OUTPUT.yaml ...]  (no argument: print to stdout)";
    let outputs: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if outputs.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    if let Some(flag) = outputs.iter().find(|a| a.to_string_lossy().starts_with('-')) {
        anyhow::bail!("unknown option {}\n{USAGE}", flag.to_string_lossy());
    }
    let yaml = livematch_crd::crd_yaml()?;
    if outputs.is_empty() {
        return std::io::stdout().lock().write_all(yaml.as_bytes()).context("write the CRD to stdout");
    }
    for path in &outputs {
        std::fs::write(path, &yaml).with_context(|| format!("write the CRD to {}", path.to_string_lossy()))?;
    }
    Ok(())
}
