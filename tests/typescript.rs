//! The hand-written TypeScript unions in js/index.d.ts must list exactly the Rust lists.
#![cfg(not(target_arch = "wasm32"))]

use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::ErrorCode;

fn union(src: &str, name: &str) -> Vec<String> {
    let start = src
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("{name} missing"));
    let rest = &src[start..];
    let end = rest.find(';').unwrap();
    rest[..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

const DTS: &str = include_str!("../js/index.d.ts");

#[test]
fn error_code_union_matches_error_code_all() {
    let ts = union(DTS, "ErrorCode");
    let rs: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(ts, rs);
}

#[test]
fn blend_mode_unions_match_blend_mode_all() {
    let mut ts = union(DTS, "ApiBlendMode");
    ts.extend(union(DTS, "ExtendedBlendMode"));
    let rs: Vec<String> = BlendMode::ALL
        .iter()
        .map(|m| m.as_str().to_string())
        .collect();
    assert_eq!(ts, rs);
    let aliases: Vec<String> = BlendMode::ALL
        .iter()
        .flat_map(|m| m.aliases())
        .map(|a| a.to_string())
        .collect();
    let mut ts_aliases = union(DTS, "BlendModeAlias");
    ts_aliases.sort();
    let mut aliases = aliases;
    aliases.sort();
    assert_eq!(ts_aliases, aliases);
}
