//! Captures the project adds to a rule's own: the package, its runtime, how it spawns, and
//! for rules with `[context] tokio_features` the exact `Cargo.toml` line and `cargo add`
//! command. Pure.

use std::collections::BTreeMap;

use crate::context::PackageContext;

/// Capture names this module can provide to any rule.
pub const CONTEXT_CAPTURES: &[&str] = &[
    "package",
    "runtime",
    "spawn_fn",
    "tokio_toml",
    "tokio_cargo_add",
];

/// Adds the context captures for `package` to `captures`. `tokio_features`: the features a
/// rule says the fix needs (already filled from the rule's own captures).
pub fn add_captures(
    package: Option<&PackageContext>,
    tokio_features: &[String],
    captures: &mut BTreeMap<String, String>,
) {
    let attr_is_test = captures.get("attr").is_some_and(|a| a == "test");
    let mut put = |k: &str, v: String| {
        captures.entry(k.to_string()).or_insert(v);
    };
    if let Some(p) = package {
        put("package", p.name.clone());
        if let Some(rt) = p.runtimes.first() {
            put("runtime", rt.name().to_string());
            put("spawn_fn", rt.spawn_fn().to_string());
        }
    }
    if tokio_features.is_empty() {
        return;
    }
    let dep = package.and_then(|p| p.tokio.as_ref());
    let mut features: Vec<String> = dep.map(|d| d.features.clone()).unwrap_or_default();
    let mut tokio_features = tokio_features.to_vec();
    // `macros` alone does not make `#[tokio::main]` build: it also needs a runtime (tokio-macros
    // 2.7: "The #[tokio::main] macro requires rt or rt-multi-thread."). A tokio declared
    // without one (`tokio = "1"`: its default feature set is empty) gets the one the attribute
    // uses by default: `rt-multi-thread` for `main`, `rt` for `test`.
    let has_runtime = features
        .iter()
        .any(|f| matches!(f.as_str(), "rt" | "rt-multi-thread" | "full"));
    if dep.is_some() && !has_runtime && tokio_features.iter().any(|f| f == "macros") {
        let runtime = if attr_is_test {
            "rt"
        } else {
            "rt-multi-thread"
        };
        tokio_features.push(runtime.to_string());
    }
    let tokio_features = &tokio_features;
    for f in tokio_features {
        if !features.contains(f) {
            features.push(f.clone());
        }
    }
    features.sort();
    let version = dep.map_or("1", |d| d.req.as_str());
    let list = features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let no_default = if dep.is_some_and(|d| !d.default_features) {
        ", default-features = false"
    } else {
        ""
    };
    put(
        "tokio_toml",
        format!("tokio = {{ version = \"{version}\"{no_default}, features = [{list}] }}"),
    );
    let package_flag = match package {
        Some(p) if p.in_workspace => format!(" -p {}", p.name),
        _ => String::new(),
    };
    put(
        "tokio_cargo_add",
        format!(
            "cargo add tokio{package_flag} --features {}",
            tokio_features.join(",")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Runtime, TokioDep};

    fn member(features: &[&str], default_features: bool, in_workspace: bool) -> PackageContext {
        PackageContext {
            name: "api".into(),
            runtimes: vec![Runtime::Tokio, Runtime::Futures],
            tokio: Some(TokioDep {
                req: "1.40".into(),
                features: features.iter().map(|s| s.to_string()).collect(),
                default_features,
            }),
            in_workspace,
            trpl_run_only: false,
        }
    }

    #[test]
    fn writes_the_cargo_toml_line_to_add() {
        let mut caps = BTreeMap::new();
        let pkg = member(&["rt"], false, true);
        add_captures(
            Some(&pkg),
            &["macros".into(), "rt-multi-thread".into()],
            &mut caps,
        );
        assert_eq!(
            caps["tokio_toml"],
            r#"tokio = { version = "1.40", default-features = false, features = ["macros", "rt", "rt-multi-thread"] }"#
        );
        assert_eq!(
            caps["tokio_cargo_add"],
            "cargo add tokio -p api --features macros,rt-multi-thread"
        );
        assert_eq!(caps["runtime"], "tokio");
        assert_eq!(caps["spawn_fn"], "tokio::spawn");
    }

    #[test]
    fn macros_for_a_tokio_without_features_comes_with_a_runtime() {
        for (attr, runtime) in [("main", "rt-multi-thread"), ("test", "rt")] {
            let mut caps = BTreeMap::from([("attr".to_string(), attr.to_string())]);
            let pkg = member(&[], true, false);
            add_captures(Some(&pkg), &["macros".into()], &mut caps);
            assert_eq!(
                caps["tokio_toml"],
                format!(r#"tokio = {{ version = "1.40", features = ["macros", "{runtime}"] }}"#)
            );
            assert_eq!(
                caps["tokio_cargo_add"],
                format!("cargo add tokio --features macros,{runtime}")
            );
        }
        // With `rt` already there, `macros` is all `#[tokio::main(flavor = …)]` lacks.
        let mut caps = BTreeMap::new();
        add_captures(
            Some(&member(&["rt"], true, false)),
            &["macros".into()],
            &mut caps,
        );
        assert_eq!(
            caps["tokio_toml"],
            r#"tokio = { version = "1.40", features = ["macros", "rt"] }"#
        );
    }

    #[test]
    fn without_project_context_suggests_a_plain_line() {
        let mut caps = BTreeMap::new();
        add_captures(None, &["time".into()], &mut caps);
        assert_eq!(
            caps["tokio_toml"],
            r#"tokio = { version = "1", features = ["time"] }"#
        );
        assert_eq!(caps["tokio_cargo_add"], "cargo add tokio --features time");
        assert!(!caps.contains_key("runtime"));
    }
}
