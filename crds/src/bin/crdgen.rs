//! Print the LiveMatch CustomResourceDefinition as YAML.
//!
//! ```text
//! cargo run -p livematch-crd --bin crdgen > crds/livematch.yaml   # to stdout
//! cargo run -p livematch-crd --bin crdgen -- crds/livematch.yaml  # to a file
//! ```

use std::io::Write;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    const USAGE: &str = "usage: crdgen [OUTPUT.yaml]  (no argument: print to stdout)";
    let mut args = std::env::args_os().skip(1);
    match (args.next(), args.next()) {
        (Some(flag), None) if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        (None, _) => {
            let yaml = livematch_crd::crd_yaml()?;
            std::io::stdout().lock().write_all(yaml.as_bytes()).context("write the CRD to stdout")
        }
        (Some(path), None) => {
            let yaml = livematch_crd::crd_yaml()?;
            std::fs::write(&path, yaml).with_context(|| format!("write the CRD to {}", path.display()))
        }
        (Some(_), Some(_)) => anyhow::bail!(USAGE),
    }
}
