//! `bindings/bindings.ts` and the gateway client `bindings/gateway.ts` are
//! generated from the Rust commands and events. This test regenerates both
//! and fails if a committed file differs; run with `UPDATE_BINDINGS=1` to
//! write the new files instead.

use clawdesk_lib::bindings::{bindings_path, export_bindings, gateway_client_path, specta_builder};
use std::path::Path;
use tauri::test::MockRuntime;

#[test]
fn committed_bindings_match_the_rust_side() {
    let builder = specta_builder::<MockRuntime>();
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("bindings.ts");
    export_bindings(&builder, &fresh_path).expect("bindings export");
    let committed_path = bindings_path();
    let update = std::env::var_os("UPDATE_BINDINGS").is_some();
    let mut stale = Vec::new();
    for (fresh, committed) in [
        (fresh_path.clone(), committed_path.clone()),
        (
            gateway_client_path(&fresh_path),
            gateway_client_path(&committed_path),
        ),
    ] {
        if let Some(difference) = compare(&fresh, &committed, update) {
            stale.push(difference);
        }
    }
    assert!(
        stale.is_empty(),
        "generated TypeScript is out of date with the Rust commands:\n{}\n\
         Regenerate it with `make bindings` and commit the result.",
        stale.join("\n")
    );
}

/// With `update`, writes `fresh` over `committed`; otherwise describes the
/// first difference, if any.
fn compare(fresh: &Path, committed: &Path, update: bool) -> Option<String> {
    let fresh_text = std::fs::read_to_string(fresh).unwrap();
    if update {
        std::fs::write(committed, &fresh_text).unwrap();
        return None;
    }
    let committed_text = std::fs::read_to_string(committed).unwrap_or_default();
    if committed_text == fresh_text {
        return None;
    }
    let first_difference = committed_text
        .lines()
        .zip(fresh_text.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, b))| format!("line {}:\n  committed: {a}\n  generated: {b}", i + 1))
        .unwrap_or_else(|| "the files differ in length".into());
    let name = committed.file_name().unwrap().to_string_lossy();
    Some(format!("bindings/{name} ({first_difference})"))
}
