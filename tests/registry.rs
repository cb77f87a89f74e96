//! The function registry as a whole: every function is one spec; the specs agree with what the
//! engine registered (names, arities, parameter types) and with the domain settings their options
//! fill (keys and defaults); every example runs and evaluates to `true`; the Markdown reference is
//! current; completion offers the declared options at every depth.

use std::collections::{BTreeMap, BTreeSet};

use brainclip::kernel::{KernelBackend, SessionBackend};
use brainclip::script::spec::{Area, Declared, FnSpec, Opt, Ty};
use brainclip::{Session, SessionOptions};

fn session(dir: &tempfile::TempDir) -> Session {
    Session::new(SessionOptions {
        out_dir: Some(dir.path().join("run")),
        ..Default::default()
    })
    .unwrap()
}

/// Every script function, by area. Adding a function means adding it here too.
const FUNCTIONS: &[(&str, &[&str])] = &[
    (
        "data",
        &[
            "god_synthetic",
            "load_god",
            "load_bdata",
            "select_columns",
            "bdata_values",
            "value_labels",
            "load_nifti",
            "mask_from_volume",
            "mask_from_atlas",
            "apply_mask",
            "load_events",
            "trial_samples",
            "load_nsd",
            "nsd_images",
            "select_rois",
            "zscore_with",
            "average_repeats",
            "subset",
            "split_by_stimulus",
            "concat_subjects",
            "load_npy",
            "load_table",
            "column",
            "matrix",
            "load_captions",
            "load_image",
            "load_safetensors",
            "embeddings",
            "save_embeddings",
            "load_embeddings",
            "attach_embeddings",
            "make_dataset",
            "data_path",
        ],
    ),
    ("world", &["world_synthetic", "world_corpus"]),
    (
        "clip",
        &["clip_load", "clip_text", "clip_classes", "clip_images", "clip_train"],
    ),
    (
        "model",
        &[
            "mapping_net",
            "shared_net",
            "subject_model",
            "ridge",
            "save_model",
            "load_model",
        ],
    ),
    ("train", &["train", "fine_tune"]),
    ("eval", &["zero_shot", "retrieval", "evaluate", "mean_ci"]),
    (
        "generate",
        &[
            "diffusion_load",
            "diffusion_train",
            "predict",
            "generate",
            "nearest_images",
            "recon_metrics",
        ],
    ),
    (
        "plot",
        &[
            "plot_history",
            "plot_similarity",
            "plot_topk",
            "plot_bars",
            "plot_confusion",
            "plot_embeddings",
            "plot_images",
            "save_figure",
        ],
    ),
    (
        "run",
        &[
            "param",
            "run_dir",
            "device",
            "save_metrics",
            "save_json",
            "save_csv",
            "save_npy",
            "save_text",
            "table",
            "sweep",
        ],
    ),
];

#[test]
fn the_functions_are_exactly_these() {
    let docs = Session::documentation();
    let mut by_area: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in &docs.functions {
        by_area.entry(f.area.name()).or_default().insert(f.name);
    }
    let expected: BTreeMap<&str, BTreeSet<&str>> = FUNCTIONS
        .iter()
        .map(|(area, names)| (*area, names.iter().copied().collect()))
        .collect();
    assert_eq!(by_area, expected);
    let areas: Vec<&str> = Area::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(areas, FUNCTIONS.iter().map(|(a, _)| *a).collect::<Vec<_>>());
}

#[test]
fn every_spec_is_complete() {
    let docs = Session::documentation();
    for f in &docs.functions {
        assert!(f.summary.ends_with('.'), "{}: summary {:?}", f.name, f.summary);
        assert!(!f.returns.is_empty(), "{}: result type", f.name);
        assert!(f.examples().count() >= 1, "{}: no example", f.name);
        for example in f.examples() {
            assert!(example.contains(f.name), "{}: the example should call it", f.name);
        }
        let mut keys = BTreeSet::new();
        check_options(f, f.option_table(), "", &mut keys);
        for p in f.params {
            assert!(!p.name.is_empty() && !p.ty.is_empty(), "{}: parameter {p:?}", f.name);
        }
        let optional_then_required = f.params.windows(2).any(|w| w[0].optional && !w[1].optional);
        assert!(
            !optional_then_required,
            "{}: optional parameters must come last",
            f.name
        );
    }
    for t in &docs.types {
        assert!(!t.summary.is_empty() && !t.properties.is_empty(), "{}", t.name);
    }
}

fn check_options(f: &FnSpec, table: &[Opt], prefix: &str, keys: &mut BTreeSet<String>) {
    for o in table {
        let key = format!("{prefix}{}", o.key);
        assert!(keys.insert(key.clone()), "{}: option `{key}` declared twice", f.name);
        assert!(!o.doc.is_empty(), "{}: option `{key}` has no doc", f.name);
        if let (Ty::Choice(choices), Declared::Str(d)) = (o.ty, o.default) {
            assert!(
                choices.contains(&d),
                "{}: `{key}` default {d:?} is not a choice",
                f.name
            );
        }
        if let Ty::Map(inner) = o.ty {
            check_options(f, inner, &format!("{key}."), keys);
        }
    }
}

/// The script types a spec parameter accepts.
fn alternatives(ty: &str) -> BTreeSet<String> {
    ty.split('|').map(|t| t.trim().to_string()).collect()
}

#[test]
fn specs_agree_with_the_engine_registrations() {
    let docs = Session::documentation();
    for f in &docs.functions {
        let registered: Vec<&Vec<String>> = docs
            .overloads
            .iter()
            .filter(|o| o.name == f.name)
            .map(|o| &o.params)
            .collect();
        assert!(!registered.is_empty(), "{} is declared but not registered", f.name);
        // An overload takes the first n declared parameters (n an accepted count), optionally
        // followed by the options map.
        let matches = |params: &[String]| -> bool {
            let fits = |n: usize| {
                f.arities().contains(&n)
                    && params[..n]
                        .iter()
                        .zip(f.params)
                        .all(|(ty, p)| ty == "?" || alternatives(p.ty).contains(ty))
            };
            (params.len() <= f.params.len() && fits(params.len()))
                || (f.takes_options() && params.last().is_some_and(|t| t == "map") && fits(params.len() - 1))
        };
        for params in &registered {
            assert!(
                matches(params),
                "{}: registered as ({}), which its spec does not declare: {:?}",
                f.name,
                params.join(", "),
                f.signatures()
            );
        }
        // Every declared alternative of every parameter is registered somewhere.
        for (i, p) in f.params.iter().enumerate() {
            for alt in alternatives(p.ty) {
                let covered = registered
                    .iter()
                    .any(|params| params.get(i).is_some_and(|t| *t == alt || t == "?"));
                assert!(
                    covered,
                    "{}: parameter `{}` declares {alt}, no overload takes it",
                    f.name, p.name
                );
            }
        }
        for n in f.arities() {
            assert!(
                registered.iter().any(|p| p.len() == n),
                "{}: no overload with {n} arguments",
                f.name
            );
        }
    }
}

#[test]
fn engine_functions_are_all_documented() {
    let docs = Session::documentation();
    let documented: BTreeSet<&str> = docs.functions.iter().map(|f| f.name).collect();
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir);
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
}

/// A declared default as JSON, to compare with the domain's serialised default.
fn default_json(o: &Opt) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match o.default {
        Declared::Int(v) => json!(v),
        Declared::Float(v) => json!(v),
        Declared::Bool(v) => json!(v),
        Declared::Str(v) => json!(v),
        Declared::Ints(v) => json!(v),
        Declared::Floats(v) => json!(v),
        Declared::Strs(v) => json!(v),
        Declared::None => serde_json::Value::Null,
        Declared::Fields | Declared::Computed(_) => return None,
    })
}

fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        _ => a == b,
    }
}

fn check_against_domain(f: &FnSpec, table: &[Opt], domain: &serde_json::Value, prefix: &str) {
    for o in table.iter().filter(|o| !o.binding_only) {
        let key = format!("{prefix}{}", o.key);
        let Some(value) = domain.get(o.key) else {
            panic!(
                "{}: option `{key}` is not a field of the domain settings {domain}",
                f.name
            );
        };
        match o.ty {
            Ty::Map(inner) => check_against_domain(f, inner, value, &format!("{key}.")),
            _ => {
                if let Some(declared) = default_json(o) {
                    assert!(
                        same(&declared, value),
                        "{}: option `{key}` documents default {declared}, the domain's is {value}",
                        f.name
                    );
                }
            }
        }
    }
}

/// Each property's default in a settings schema (`null` where it has none).
fn schema_defaults(schema: &serde_json::Value) -> serde_json::Value {
    let properties = schema["properties"].as_object().cloned().unwrap_or_default();
    properties
        .into_iter()
        .map(|(k, p)| (k, p.get("default").cloned().unwrap_or_default()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Every option read off settings has a type the checks understand (not "any value").
fn check_derived_types(f: &FnSpec, table: &[Opt], prefix: &str) {
    for o in table {
        assert!(
            !matches!(o.ty, Ty::Value(_)) || o.binding_only || f.own_options.iter().any(|own| own.key == o.key),
            "{}: setting `{prefix}{}` has a type options cannot check: {:?}",
            f.name,
            o.key,
            o.ty
        );
        assert!(
            !o.doc.is_empty(),
            "{}: setting `{prefix}{}` has no doc comment",
            f.name,
            o.key
        );
        if let Ty::Map(inner) = o.ty {
            check_derived_types(f, inner, &format!("{prefix}{}.", o.key));
        }
    }
}

#[test]
fn options_match_the_domain_settings_they_fill() {
    let docs = Session::documentation();
    let mut checked = Vec::new();
    for f in &docs.functions {
        if let Some(schema) = f.settings {
            check_against_domain(f, f.own_options, &schema_defaults(&schema()), "");
            check_derived_types(f, f.option_table(), "");
            checked.push(f.name);
        }
    }
    assert_eq!(
        checked,
        [
            "god_synthetic",
            "load_god",
            "trial_samples",
            "load_nsd",
            "world_synthetic",
            "world_corpus",
            "clip_train",
            "mapping_net",
            "shared_net",
            "ridge",
            "train",
            "fine_tune",
            "zero_shot",
            "retrieval",
            "evaluate",
            "diffusion_train",
            "generate",
            "recon_metrics",
            "plot_similarity",
            "plot_topk",
            "plot_bars",
            "plot_confusion",
            "plot_embeddings",
        ]
    );
}

#[test]
fn settings_fields_become_documented_checked_options() {
    let docs = Session::documentation();
    let train = docs.functions.iter().find(|f| f.name == "train").unwrap();
    let batch = train.option("batch_size").unwrap();
    assert_eq!(
        (batch.ty, batch.default),
        (Ty::Int { min: 1, max: i64::MAX }, Declared::Int(128))
    );
    assert_eq!(batch.doc, "samples per step (the contrastive batch)");
    let patience = train.option("patience").unwrap();
    assert!(patience.or_none && patience.default == Declared::Int(10));
    assert_eq!(
        train.option("seed").unwrap().default,
        Declared::Computed("the session seed")
    );
    let contrastive = train.option("loss.contrastive").unwrap();
    assert_eq!(contrastive.ty, Ty::Choice(&["clip", "softclip", "bimixco", "mindeye"]));
    assert_eq!(
        train.option("loss.mixco_prob").unwrap().ty,
        Ty::Float { min: 0.0, max: 1.0 }
    );
    assert!(train.option("label").unwrap().binding_only);
    let keys: Vec<&str> = train.option_table().iter().map(|o| o.key).collect();
    assert_eq!(keys[..3], ["epochs", "batch_size", "lr"], "declaration order");
    let zero_shot = docs.functions.iter().find(|f| f.name == "zero_shot").unwrap();
    assert!(zero_shot.option("n_way").is_none() && zero_shot.option("k").is_some());
    assert_eq!(zero_shot.option("k").unwrap().ty, Ty::Ints { min: 1 });
}

#[test]
fn every_example_runs_and_is_true() {
    let docs = Session::documentation();
    for f in &docs.functions {
        for example in f.examples() {
            let dir = tempfile::tempdir().unwrap();
            let mut s = session(&dir);
            let value = s
                .eval(example)
                .unwrap_or_else(|e| panic!("example of {} failed:\n{e}", f.name));
            assert!(
                value.as_bool() == Ok(true),
                "example of {} evaluated to {value:?}, not true",
                f.name
            );
        }
    }
}

#[test]
fn the_markdown_reference_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let generated = Session::documentation().reference_markdown();
    if std::env::var_os("BRAINCLIP_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/reference.md is out of date: regenerate it with `cargo run -- doc --markdown > docs/reference.md`"
    );
}

#[test]
fn completion_offers_declared_options_at_every_depth() {
    let dir = tempfile::tempdir().unwrap();
    let backend = SessionBackend::new(session(&dir));
    let offered = |code: &str| -> Vec<String> {
        backend
            .complete(code, code.len())
            .matches
            .into_iter()
            .map(|m| m.text)
            .collect()
    };
    assert_eq!(
        offered("train(net, d, #{ loss: #{ text"),
        ["text", "text_cosine", "text_mse", "text_target"]
    );
    assert_eq!(offered("zero_shot(m, d, #{ simi"), ["similarity"]);
    assert_eq!(offered("retrieval(m, d, #{ n_w"), ["n_way"]);
    let doc = backend.inspect("zero_shot", 3).unwrap();
    assert!(
        doc.contains("similarity") && doc.contains("\"cosine\" | \"pearson\" | \"euclidean\""),
        "{doc}"
    );
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

#[test]
fn the_script_readme_shows_a_real_binding() {
    let readme = std::fs::read_to_string("src/script/README.md").unwrap();
    let start = readme.find("```rust\n").expect("a rust block in src/script/README.md") + "```rust\n".len();
    let shown = &readme[start..start + readme[start..].find("```\n").unwrap()];
    let file = std::fs::read_to_string("src/script/plot/plot_confusion.rs").unwrap();
    assert_eq!(shown, file, "src/script/README.md must show plot_confusion.rs as it is");
}
