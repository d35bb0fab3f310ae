//! `bindings/bindings.ts` is generated from the Rust commands and events.
//! This test regenerates it and fails if the committed file differs; run
//! with `UPDATE_BINDINGS=1` to write the new file instead.

use clawdesk_lib::bindings::{bindings_path, export_bindings, specta_builder};
use tauri::test::MockRuntime;

#[test]
fn committed_bindings_match_the_rust_side() {
    let builder = specta_builder::<MockRuntime>();
    let dir = tempfile::tempdir().unwrap();
    let fresh_path = dir.path().join("bindings.ts");
    export_bindings(&builder, &fresh_path).expect("bindings export");
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();
    let committed_path = bindings_path();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != fresh {
        let first_difference = committed
            .lines()
            .zip(fresh.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  committed: {a}\n  generated: {b}", i + 1))
            .unwrap_or_else(|| "the files differ in length".into());
        panic!(
            "bindings/bindings.ts is out of date with the Rust commands ({first_difference}).\n\
             Regenerate it with `make bindings` and commit the result."
        );
    }
}
