//! The function registry as a whole: every function documented, no duplicates, docs and engine
//! agree, and every documented example runs and evaluates to `true`.

use std::collections::BTreeSet;

use brainclip::{Session, SessionOptions};

fn session(dir: &tempfile::TempDir) -> Session {
    Session::new(SessionOptions {
        out_dir: Some(dir.path().join("run")),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn every_function_is_documented_once() {
    let docs = Session::documentation();
    assert!(docs.functions.len() >= 12, "{} functions", docs.functions.len());
    let mut names = BTreeSet::new();
    for f in &docs.functions {
        assert!(names.insert(f.name), "{} documented twice", f.name);
        assert!(!f.summary.is_empty() && f.summary.ends_with('.'), "{}: summary", f.name);
        assert!(!f.signatures.is_empty(), "{}: signatures", f.name);
        for sig in f.signatures {
            assert!(
                sig.starts_with(&format!("{}(", f.name)) && sig.contains(") -> "),
                "{}: signature {sig}",
                f.name
            );
        }
        assert!(!f.example.trim().is_empty(), "{}: example", f.name);
        assert!(f.example.contains(f.name), "{}: the example should call it", f.name);
        assert!(
            [
                "data", "world", "clip", "model", "train", "eval", "generate", "plot", "run"
            ]
            .contains(&f.area),
            "{}: area {}",
            f.name,
            f.area
        );
    }
    for t in &docs.types {
        assert!(!t.summary.is_empty(), "{}", t.name);
        assert!(!t.properties.is_empty(), "{}", t.name);
    }
}

#[test]
fn registered_functions_and_documentation_agree() {
    let docs = Session::documentation();
    let documented: BTreeSet<&str> = docs.functions.iter().map(|f| f.name).collect();
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir);
    // Every native function the engine knows (outside Rhai's standard library) is either a
    // documented function or a documented type's property/printing hook.
    let properties: BTreeSet<String> = docs
        .types
        .iter()
        .flat_map(|t| t.properties.iter().map(|p| format!("get${}", p.0)))
        .collect();
    for sig in s.engine_signatures() {
        let name = sig.split('(').next().unwrap().trim();
        let ok = documented.contains(name) || properties.contains(name) || name == "to_string" || name == "to_debug";
        assert!(ok, "`{sig}` is registered but not documented");
    }
    for name in &documented {
        assert!(
            s.engine_signatures()
                .iter()
                .any(|sig| sig.starts_with(&format!("{name}("))),
            "{name} is documented but not registered"
        );
    }
}

#[test]
fn every_example_runs_and_is_true() {
    let docs = Session::documentation();
    for f in &docs.functions {
        let dir = tempfile::tempdir().unwrap();
        let mut s = session(&dir);
        let value = s
            .eval(f.example)
            .unwrap_or_else(|e| panic!("example of {} failed:\n{e}", f.name));
        assert!(
            value.as_bool() == Ok(true),
            "example of {} evaluated to {value:?}, not true",
            f.name
        );
    }
}

#[test]
fn stdlib_modules_import_and_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let ok = s
        .eval(
            r#"import "brainclip/report" as report;
            let row = report::summary_row(#{ model: "m", top1: 0.5, top5: 0.9, chance_top1: 0.02 },
                                          #{ image: #{ top1: 0.3 }, text: #{ top1: 0.2 } });
            row["zero-shot top-1"] == 0.5 && report::columns().len() == 6"#,
        )
        .unwrap();
    assert_eq!(ok.as_bool(), Ok(true));
}
