//! The layer order of ARCHITECTURE.md, checked: no module of `src/` names a
//! module of a higher layer (or of another module in its own layer), so the
//! vocabulary stays at the bottom and no two folders import each other.
//!
//! It reads every `crate::…` path in the non-test code of each top-level
//! module, including grouped imports (`crate::{ha, z2m}`) and doc links.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. A module may name modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["model"],
    &["analysis", "demo", "http", "shutdown"],
    &["config"],
    &["db"],
    &["z2m", "suggest", "llm"],
    &["ha"],
    &["ingest"],
    &["mqtt", "pipeline"],
    &["job", "deploy"],
    &["surface"],
    &["web"],
    &["daemon", "cli"],
    &["commands"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`, except test files.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.push(path);
        }
    }
}

/// The code of a file without its trailing `#[cfg(test)] mod tests { … }`.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// The first module name of every `crate::` path in `code`.
fn referenced(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first name of each item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        found.insert(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
    found
}

#[test]
fn no_module_names_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            violations.push(format!(
                "{}: module {module} has no layer in tests/layers.rs",
                relative.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for used in referenced(without_tests(&text)) {
            checked += 1;
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(layer) if layer < own => {}
                Some(layer) => violations.push(format!(
                    "{}: {module} (layer {own}) names {used} (layer {layer})",
                    relative.display()
                )),
                None => violations.push(format!(
                    "{}: names crate::{used}, which has no layer",
                    relative.display()
                )),
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} references found: is the parser broken?"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_reference_parser_sees_grouped_imports_and_skips_tests() {
    let code = "use crate::{ha, z2m::devices::{A, B}};\nuse crate::model::X;\n\
                /// [`Y`](crate::db::Y)\n#[cfg(test)]\nmod tests {\n use crate::app;\n}\n";
    let found = referenced(without_tests(code));
    let expected: BTreeSet<String> = ["ha", "z2m", "model", "db"].map(String::from).into();
    assert_eq!(found, expected);
}
