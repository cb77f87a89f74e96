//! Bad scripts give clear errors — kind, line, column, the offending line and a hint — never a
//! panic.

use brainclip::{ScriptError, Session, SessionOptions};

fn run(code: &str) -> Box<ScriptError> {
    let dir = tempfile::tempdir().unwrap();
    session(&dir).eval(code).expect_err("the script should fail")
}

/// A session whose run directory lies in `dir`.
fn session(dir: &tempfile::TempDir) -> Session {
    Session::new(SessionOptions {
        out_dir: Some(dir.path().join("run")),
        ..Default::default()
    })
    .unwrap()
}

const SETUP: &str = "let god = god_synthetic(#{ voxels: 70, dim: 16 });\n";

#[test]
fn unknown_option_key() {
    let err = run(&format!(
        "{SETUP}let net = mapping_net(god.train, #{{ arch: \"linear\" }});\nlet m = train(net, god.train, #{{ epoch: 3 }});"
    ));
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownOption);
    assert!(
        err.message.contains("unknown option `epoch` for train()"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("valid options: epochs, batch_size"),
        "{}",
        err.message
    );
    assert_eq!(err.hint.as_deref(), Some("did you mean `epochs`?"));
    assert_eq!((err.line, err.column), (Some(3), Some(9)));
    assert_eq!(
        err.source_line.as_deref(),
        Some("let m = train(net, god.train, #{ epoch: 3 });")
    );
    let text = err.to_string();
    assert!(text.contains("--> <cell 1>:3:9"), "{text}");
    assert!(text.contains("  |         ^"), "{text}");
}

#[test]
fn unknown_nested_loss_option() {
    let err = run(&format!(
        "{SETUP}let net = mapping_net(god.train);\ntrain(net, god.train, #{{ loss: #{{ imag: 1.0 }} }});"
    ));
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownOption);
    assert!(err.message.contains("unknown option `loss.imag`"), "{}", err.message);
    assert_eq!(err.hint.as_deref(), Some("did you mean `image`?"));
}

#[test]
fn wrong_type_of_an_option() {
    let err = run(&format!(
        "{SETUP}let net = mapping_net(god.train, #{{ width: \"wide\" }});"
    ));
    assert_eq!(err.kind, brainclip::ErrorKind::WrongType);
    assert_eq!(
        err.message,
        "option `width` of mapping_net() must be an integer, got string `wide`"
    );
    assert_eq!(err.line, Some(2));
}

#[test]
fn wrong_type_of_an_argument() {
    let err = run("let god = god_synthetic(4500);");
    assert_eq!(err.kind, brainclip::ErrorKind::WrongType);
    assert!(
        err.message
            .contains("god_synthetic cannot be called with arguments (i64)"),
        "{}",
        err.message
    );
    let hint = err.hint.unwrap();
    assert!(hint.contains("god_synthetic(options: map) -> map"), "{hint}");
    assert_eq!((err.line, err.column), (Some(1), Some(11)));
}

#[test]
fn misspelt_function() {
    let err = run(&format!("{SETUP}let zs = zero_shoot(god, god.test);"));
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownFunction);
    assert_eq!(err.hint.as_deref(), Some("did you mean `zero_shot`?"));
    assert_eq!((err.line, err.column), (Some(2), Some(10)));
}

#[test]
fn misspelt_property_and_variable() {
    let err = run(&format!("{SETUP}god.train.n_sample"));
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownProperty);
    assert!(err.hint.unwrap().contains("did you mean `.n_samples`?"));
    let err = run(&format!("{SETUP}print(gdo.train);"));
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownVariable);
    assert_eq!(err.hint.as_deref(), Some("did you mean `god`?"));
}

#[test]
fn dimension_mismatch_between_model_and_data() {
    let code = "let small = god_synthetic(#{ voxels: 70, dim: 16 });
let big = god_synthetic(#{ voxels: 90, dim: 16 });
let model = train(mapping_net(small.train, #{ arch: \"linear\" }), small.train, #{ epochs: 1 });
let zs = zero_shot(model, big.test);";
    let err = run(code);
    assert_eq!(err.kind, brainclip::ErrorKind::DimensionMismatch);
    assert_eq!(
        err.message,
        "zero_shot: number of voxels: the model expects 70, the data has 90"
    );
    assert!(err.hint.unwrap().contains("mapping_net("));
    assert_eq!((err.line, err.column), (Some(4), Some(10)));
}

#[test]
fn invalid_value_is_caught_before_burn_panics() {
    let err = run(&format!(
        "{SETUP}let net = mapping_net(god.train, #{{ dropout: 1.5 }});"
    ));
    assert_eq!(err.kind, brainclip::ErrorKind::InvalidValue);
    assert!(
        err.message.contains("dropout must be in [0, 1), got 1.5"),
        "{}",
        err.message
    );
}

#[test]
fn syntax_error_points_at_the_line() {
    let err = run("let x = 1;\nlet y = (2 + ;\n");
    assert_eq!(err.kind, brainclip::ErrorKind::Syntax);
    assert_eq!(err.line, Some(2));
    assert!(err.hint.is_some(), "every error carries a hint");
}

#[test]
fn errors_inside_script_functions_show_the_call() {
    let err = run("fn make() {\n  god_synthetic(#{ voxel: 10 })\n}\nmake();");
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownOption);
    assert_eq!(err.line, Some(2));
    assert!(
        err.call_stack[0].contains("function `make`, called at <cell 1>:4:1"),
        "{:?}",
        err.call_stack
    );
}

#[test]
fn a_failed_call_keeps_the_session_usable() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let _ = s.eval("let god = god_synthetic(#{ voxels: 70, dim: 16 });").unwrap();
    assert!(
        s.eval("train(mapping_net(god.train), god.train, #{ lr: -1.0 })")
            .is_err()
    );
    assert_eq!(s.eval("god.test.n_samples").unwrap().cast::<i64>(), 50);
}

#[test]
fn functions_defined_in_one_cell_are_kept_for_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let _ = s
        .eval("fn double(x) { 2 * x }\nfn make(voxels) {\n  god_synthetic(#{ voxel: voxels })\n}")
        .unwrap();
    assert_eq!(s.eval("double(21)").unwrap().cast::<i64>(), 42);
    // a function of a later cell calls one of an earlier cell
    let _ = s.eval("fn quadruple(x) { double(double(x)) }").unwrap();
    assert_eq!(s.eval("quadruple(3)").unwrap().cast::<i64>(), 12);
    // redefining shadows the earlier definition, in later cells and in earlier callers
    let _ = s.eval("fn double(x) { x + x + 1 }").unwrap();
    assert_eq!(s.eval("double(1)").unwrap().cast::<i64>(), 3);
    assert_eq!(s.eval("quadruple(1)").unwrap().cast::<i64>(), 7);
    assert!(s.script_functions().contains(&"quadruple".to_string()));

    // an error inside a function quotes the cell that defined it, not the one that called it
    let err = s.eval("let a = 1;\nmake(10)").expect_err("unknown option");
    assert_eq!(err.kind, brainclip::ErrorKind::UnknownOption);
    assert_eq!(err.line, Some(3));
    assert_eq!(err.source_line.as_deref(), Some("  god_synthetic(#{ voxel: voxels })"));
    assert!(err.to_string().contains("<cell 1>:3"), "{err}");
    assert!(
        err.call_stack[0].contains("function `make`, called at <cell 8>:2:1"),
        "{:?}",
        err.call_stack
    );
}

/// Bad data files: each error names the file, what was expected and what was found.
#[test]
fn nan_voxels_are_counted_located_and_never_passed_on_silently() {
    let err = run(
        r#"let series = load_nifti("tests/data/nifti/generated/nan_series.nii.gz");
let mask = mask_from_atlas(load_nifti("tests/data/nifti/generated/atlas.nii.gz"), [3, 7, 12]);
apply_mask(series, mask)"#,
    );
    assert_eq!(err.kind, brainclip::ErrorKind::Data);
    assert!(err.message.contains("nan_series.nii.gz"), "{}", err.message);
    assert!(err.message.contains("NaN/Inf values in"), "{}", err.message);
    assert!(err.message.contains("first at (i, j, k, t)"), "{}", err.message);
    assert!(
        err.hint.as_deref().unwrap_or("").contains("non_finite: \"zero\""),
        "{:?}",
        err.hint
    );
    assert_eq!(err.line, Some(3));
}

#[test]
fn a_truncated_nifti_names_the_file_and_the_missing_part() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read("tests/data/nifti/example4d.nii.gz").unwrap();
    let cut = dir.path().join("cut.nii.gz");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let mut s = Session::new(SessionOptions {
        out_dir: Some(dir.path().join("run")),
        allow_read: vec![dir.path().to_path_buf()],
        ..Default::default()
    })
    .unwrap();
    let err = s.eval(&format!("load_nifti(\"{}\")", cut.display())).unwrap_err();
    assert_eq!(err.kind, brainclip::ErrorKind::Data);
    assert!(err.message.contains("cut.nii.gz"), "{}", err.message);
}

#[test]
fn an_hdf5_file_that_is_not_bdata_and_a_missing_roi_key() {
    let err = run(r#"load_bdata("tests/data/bad_no_metadata.h5")"#);
    assert!(err.message.contains("bad_no_metadata.h5"), "{}", err.message);
    assert!(err.message.contains("/metadata"), "{}", err.message);

    let err = run(r#"load_god("tests/data/god_tiny.h5", #{ roi: "ROI_V1 + ROI_V5" })"#);
    assert!(err.message.contains("ROI_V5"), "{}", err.message);
    assert_eq!(err.hint.as_deref(), Some("did you mean `ROI_V1`?"));
}

#[test]
fn trial_samples_needs_the_repetition_time() {
    let err = run(r#"let series = load_nifti("tests/data/nifti/nitime_fmri1.nii.gz");
trial_samples(apply_mask(series), load_events("tests/data/nifti/nitime_events.tsv"), #{ delay: 4.0 })"#);
    assert_eq!(err.kind, brainclip::ErrorKind::InvalidValue);
    assert!(err.message.contains("option `tr`"), "{}", err.message);
    assert!(
        err.hint.as_deref().unwrap_or("").contains("series.tr"),
        "{:?}",
        err.hint
    );
}

#[test]
fn a_panic_is_an_internal_error_the_run_records_and_the_session_survives() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    s.engine_mut()
        .register_fn("broken", || -> i64 { panic!("index 7 out of range for length 3") });
    let _ = s.eval("let kept = 41;").unwrap();
    let err = s.eval("let y = 1;\nbroken()").unwrap_err();
    assert_eq!(err.kind, brainclip::ErrorKind::Internal);
    assert!(err.message.contains("index 7 out of range for length 3"), "{err}");
    assert!(err.hint.as_deref().unwrap_or("").contains("RUST_BACKTRACE=1"), "{err}");
    s.finish(Err(&err)).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("run/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "failed");
    assert!(
        manifest["error"].as_str().unwrap().contains("InternalError"),
        "{manifest}"
    );
    assert_eq!(s.eval("kept + 1").unwrap().cast::<i64>(), 42);
}

#[test]
fn a_bar_row_without_its_keys_names_the_row_and_the_keys() {
    let err = run("plot_bars([#{ group: \"a\", series: \"s\", mean: 1 }, #{ group: \"b\", mean: 2 }]);");
    assert_eq!(err.kind, brainclip::ErrorKind::Data);
    assert_eq!(
        err.message,
        "plot_bars: row 1: has no key `series` (it has group, mean)"
    );
    assert!(
        err.hint.as_deref().unwrap_or("").contains("group, series, value"),
        "{:?}",
        err.hint
    );
    let err = run("plot_bars([#{ group: \"a\", series: \"s\", mean: \"high\" }]);");
    assert!(
        err.message.contains("row 0: `mean` must be a number, found a string"),
        "{}",
        err.message
    );
}

#[test]
fn evaluating_a_dataset_without_embeddings_says_what_to_attach() {
    let err = run(&format!(
        "{SETUP}let bare = make_dataset(#{{ fmri: god.test.fmri, ids: god.test.ids, categories: god.test.ids }});\n\
         evaluate(ridge(god.train, #{{ folds: 3 }}), bare);"
    ));
    assert_eq!(err.kind, brainclip::ErrorKind::Data);
    assert!(
        err.message.contains("has no class, image or text embeddings"),
        "{}",
        err.message
    );
    assert!(
        err.hint.as_deref().unwrap_or("").contains("attach_embeddings"),
        "{:?}",
        err.hint
    );
}

#[test]
fn prompt_templates_that_cannot_make_prompts_say_which_are_accepted() {
    let clip = "let clip = clip_load(\"tests/data/clip/tiny\");\n";
    for (templates, kind, expect) in [
        (
            "\"nope\"",
            brainclip::ErrorKind::InvalidValue,
            "templates `nope` is not a set",
        ),
        (
            "[\"no placeholder\"]",
            brainclip::ErrorKind::InvalidValue,
            "each containing {} once",
        ),
        (
            "3",
            brainclip::ErrorKind::WrongType,
            "a template set's name (brainclip, imagenet) or an array",
        ),
    ] {
        let err = run(&format!(
            "{clip}clip_classes(clip, [\"cat\"], #{{ templates: {templates} }});"
        ));
        assert_eq!(err.kind, kind, "{templates}: {}", err.message);
        assert!(err.message.contains(expect), "{templates}: {}", err.message);
    }
}

#[test]
fn a_gallery_id_without_an_image_names_the_files_tried_and_the_folder_option() {
    let setup = "let clip = clip_load(\"tests/data/clip/tiny\");\n\
                 let gallery = clip_images(clip, \"tests/data/clip/photos\");\n";
    let err = run(&format!("{setup}nearest_images(gallery, gallery);"));
    assert_eq!(err.kind, brainclip::ErrorKind::File);
    assert!(
        err.message
            .contains("gallery id `cat` names no readable image (tried cat, cat.png"),
        "{}",
        err.message
    );
    assert!(
        err.hint.as_deref().unwrap_or("").contains("#{ folder:"),
        "{:?}",
        err.hint
    );
    let err = run(&format!("{setup}nearest_images(gallery, gallery, #{{ images: [] }});"));
    assert_eq!(err.kind, brainclip::ErrorKind::DimensionMismatch);
    assert!(
        err.message.contains("0 images for a gallery of 4 rows"),
        "{}",
        err.message
    );
}

#[test]
fn generation_steps_that_are_neither_a_count_nor_a_respacing_are_a_type_error() {
    let err = run("let clip = clip_load(\"tests/data/clip/tiny\");\n\
                   let target = clip_images(clip, [\"tests/data/clip/photos/cat.png\"]);\n\
                   generate(diffusion_load(\"tests/data/generation/unet_adm\"), clip, target, #{ steps: [4] });");
    assert_eq!(err.kind, brainclip::ErrorKind::WrongType);
    assert!(
        err.message.contains("steps as an integer or a string like \"ddim50\""),
        "{}",
        err.message
    );
}
