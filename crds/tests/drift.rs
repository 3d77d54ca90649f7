//! Every committed copy of the CRD (crds/livematch.yaml, and k8s/base/crd.yaml
//! which the kustomize base installs) must be what crdgen generates from the
//! Rust types: change a type, regenerate, commit all of them.

use std::path::{Path, PathBuf};

use livematch_crd::crd::{COMMITTED_PATHS, REGENERATE};

/// A committed copy, from its path relative to the workspace root.
fn committed(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{}: {e}\nGenerate it from the workspace root with:\n  {REGENERATE}", path.display())
    })
}

#[test]
fn committed_crds_match_the_rust_types() {
    let generated = livematch_crd::crd_yaml().expect("render the CRD");
    assert!(COMMITTED_PATHS.contains(&"k8s/base/crd.yaml"), "the kustomize base's copy is checked too");
    for relative in COMMITTED_PATHS {
        let path = committed(relative);
        let text = read(&path);
        if text == generated {
            continue;
        }
        let (line, (ours, theirs)) = text
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, pair)| (i + 1, pair))
            .unwrap_or((text.lines().count().min(generated.lines().count()) + 1, ("<end>", "<end>")));
        panic!(
            "{relative} is out of date with the Rust types in crds/src (first difference at line {line}:\n  \
             committed: {ours}\n  generated: {theirs})\nRegenerate it from the workspace root with:\n  {REGENERATE}"
        );
    }
}

#[test]
fn committed_crds_are_a_single_crd_document() {
    for relative in COMMITTED_PATHS {
        let text = read(&committed(relative));
        assert!(text.starts_with("# GENERATED"), "{relative}: the header says it is generated");
        assert!(text.contains(REGENERATE), "{relative}: the header names the command that regenerates it");
        let crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition =
            serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{relative}: not a CustomResourceDefinition: {e}"));
        assert_eq!(crd, livematch_crd::crd(), "{relative}");
    }
}

#[test]
fn the_kustomize_base_installs_its_copy() {
    let kustomization = read(&committed("k8s/base/kustomization.yaml"));
    assert!(
        kustomization.lines().any(|l| l.trim() == "- crd.yaml"),
        "k8s/base/kustomization.yaml does not list crd.yaml under resources:\n{kustomization}"
    );
}
