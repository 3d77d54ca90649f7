//! The committed crds/livematch.yaml must be what crdgen generates from the
//! Rust types: change a type, regenerate, commit both.

use std::path::Path;

#[test]
fn committed_crd_matches_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("livematch.yaml");
    let generated = livematch_crd::crd_yaml().expect("render the CRD");
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}\nGenerate it with:\n  {}", path.display(), livematch_crd::crd::REGENERATE));
    if committed != generated {
        let (line, (ours, theirs)) = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, pair)| (i + 1, pair))
            .unwrap_or((committed.lines().count().min(generated.lines().count()) + 1, ("<end>", "<end>")));
        panic!(
            "{} is out of date with the Rust types in crds/src (first difference at line {line}:\n  \
             committed: {ours}\n  generated: {theirs})\nRegenerate it from the workspace root with:\n  {}",
            path.display(),
            livematch_crd::crd::REGENERATE
        );
    }
}

#[test]
fn committed_crd_is_a_single_crd_document() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("livematch.yaml");
    let text = std::fs::read_to_string(&path).expect("committed CRD");
    assert!(text.starts_with("# GENERATED"), "the header says it is generated");
    let crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition =
        serde_norway::from_str(&text).expect("parses as a CustomResourceDefinition");
    assert_eq!(crd, livematch_crd::crd());
}
