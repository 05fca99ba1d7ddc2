//! Every WGSL module of the WebGPU backend, assembled exactly as the backend hands it to
//! `createShaderModule` (generated mode header + common.wgsl + the shader), is parsed and
//! validated with naga, so a shader typo fails `cargo test` without a browser.
#![cfg(not(target_arch = "wasm32"))]

use superimpose_wasm::blend::BlendMode;
use superimpose_wasm::gpu::wgsl::{mode_const_name, Shader};

fn validate(shader: Shader) -> naga::Module {
    let src = shader.source();
    let module = naga::front::wgsl::parse_str(&src)
        .unwrap_or_else(|e| panic!("{}: {}", shader.file(), e.emit_to_string(&src)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .unwrap_or_else(|e| panic!("{}: {}", shader.file(), e.emit_to_string(&src)));
    module
}

#[test]
fn every_shader_parses_and_validates() {
    for &shader in Shader::ALL {
        let module = validate(shader);
        let entries: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        for want in shader.entry_points() {
            assert!(
                entries.contains(want),
                "{}: entry point {want} missing (has {entries:?})",
                shader.file()
            );
            let ep = module
                .entry_points
                .iter()
                .find(|e| e.name == *want)
                .unwrap();
            assert_eq!(ep.stage, naga::ShaderStage::Compute, "{want}");
        }
    }
}

#[test]
fn blend_shader_ids_come_from_the_rust_list() {
    let module = validate(Shader::Blend);
    for m in BlendMode::ALL {
        let name = mode_const_name(*m);
        let (_, c) = module
            .constants
            .iter()
            .find(|(_, c)| c.name.as_deref() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("{name} missing from the blend shader"));
        match module.global_expressions[c.init] {
            naga::Expression::Literal(naga::Literal::U32(v)) => assert_eq!(v, m.id(), "{name}"),
            ref e => panic!("{name}: unexpected initialiser {e:?}"),
        }
    }
}

#[test]
fn a_typo_is_caught() {
    // The validator is not a no-op: a broken copy of a real shader fails.
    let src = Shader::Blend
        .source()
        .replace("fn lookup(", "fn lookup_renamed(");
    assert!(
        naga::front::wgsl::parse_str(&src).is_err() || {
            let m = naga::front::wgsl::parse_str(&src).unwrap();
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::default(),
            )
            .validate(&m)
            .is_err()
        }
    );
}
