//! `generate` and its companions as a script uses them: errors that name the problem, the same
//! seed giving the same picture, init images, and an interrupt that keeps finished images.

use std::sync::atomic::Ordering;
use std::time::Duration;

use brainclip::{Session, SessionOptions};

fn session(dir: &tempfile::TempDir) -> Session {
    Session::new(SessionOptions {
        out_dir: Some(dir.path().join("run")),
        ..Default::default()
    })
    .unwrap()
}

const MODELS: &str = r#"
let unet = diffusion_load("tests/data/generation/unet_adm");
let clip = clip_load("tests/data/clip/tiny");
let photos = clip_images(clip, ["tests/data/clip/photos/cat.png", "tests/data/clip/photos/tower.png"]);
"#;

#[test]
fn a_target_width_that_differs_from_the_guide_clip_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "{MODELS}let god = god_synthetic(#{{ voxels: 70, dim: 16 }});\n\
         let p = predict(ridge(god.train, #{{ folds: 3 }}), god.test);\n\
         generate(unet, clip, p, #{{ steps: 2 }});"
    );
    let err = session(&dir).eval(&code).unwrap_err();
    assert_eq!(err.kind, brainclip::ErrorKind::DimensionMismatch);
    assert!(
        err.message.contains("16 dimensions") && err.message.contains("32"),
        "{}",
        err.message
    );
    assert!(
        err.hint.as_deref().unwrap_or("").contains("guide with the CLIP"),
        "{:?}",
        err.hint
    );
    assert_eq!(err.line, Some(7));
}

#[test]
fn a_gallery_whose_ids_name_no_image_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "{MODELS}let gallery = clip_images(clip, [\"tests/data/clip/photos/cat.png\"], #{{ ids: [\"n0000_missing\"] }});\n\
         nearest_images(photos, gallery, #{{ folder: \"tests/data/clip/photos\" }});"
    );
    let err = session(&dir).eval(&code).unwrap_err();
    assert_eq!(err.kind, brainclip::ErrorKind::File);
    assert!(
        err.message
            .contains("gallery id `n0000_missing` names no readable image"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("tests/data/clip/photos/n0000_missing.png"),
        "{}",
        err.message
    );
    // Without a folder, the hint says to give one.
    let code = format!(
        "{MODELS}let gallery = clip_images(clip, [\"tests/data/clip/photos/cat.png\"]);\nnearest_images(photos, gallery);"
    );
    let err = session(&tempfile::tempdir().unwrap()).eval(&code).unwrap_err();
    assert!(err.hint.as_deref().unwrap_or("").contains("folder"), "{:?}", err.hint);
}

#[test]
fn bad_generate_options_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    for (options, expect) in [
        ("#{ steps: \"fast\" }", "ddim50"),
        ("#{ sampler: \"euler\" }", "one of \"ddpm\", \"ddim\""),
        ("#{ image_size: 17 }", "multiple of 2"),
        ("#{ steps: 5, skip_timesteps: 5 }", "skips every one"),
        ("#{ cutn: 0 }", "cutn"),
        ("#{ stepz: 5 }", "did you mean"),
        ("#{ image_size: 65536 }", "in [1, 2048]"),
        ("#{ cutn: 100000000 }", "in [1, 1024]"),
        ("#{ diffusion_steps: 1000000000 }", "in [2, 100000]"),
        ("#{ steps: true }", "an integer or a string like \"ddim50\""),
        ("#{ ids: [\"dog\"] }", "no target with id `dog`"),
        (
            "#{ init: [load_image(\"tests/data/clip/photos/cat.png\")] + [load_image(\"tests/data/clip/photos/cat.png\")] + [load_image(\"tests/data/clip/photos/cat.png\")] }",
            "one per target (2), one per id in `ids` (2) or one for all, found 3",
        ),
    ] {
        let err = session(&dir)
            .eval(&format!("{MODELS}generate(unet, clip, photos, {options});"))
            .unwrap_err();
        let text = format!("{} {}", err.message, err.hint.clone().unwrap_or_default());
        assert!(text.contains(expect), "{options}: {text}");
    }
    let plain = "let plain = diffusion_load(\"tests/data/generation/unet_plain\");\n";
    let err = session(&dir)
        .eval(&format!(
            "{MODELS}{plain}generate(plain, clip, photos, #{{ variance: \"learned_range\" }});"
        ))
        .unwrap_err();
    assert!(err.message.contains("fixed_small"), "{}", err.message);
}

#[test]
fn the_same_seed_gives_the_same_picture_and_init_images_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "{MODELS}let opts = #{{ steps: 6, cutn: 2, cutn_batches: 1, save_every: 0, seed: 3 }};\n\
         let a = generate(unet, clip, photos, opts);\n\
         opts.name = \"b\"; let b = generate(unet, clip, photos, opts);\n\
         opts.name = \"c\"; opts.seed = 4; let c = generate(unet, clip, photos, opts);\n\
         let init = nearest_images(photos, photos, #{{ folder: \"tests/data/clip/photos\" }});\n\
         opts.name = \"d\"; opts.seed = 3; opts.init = init; opts.skip_timesteps = 4; let d = generate(unet, clip, photos, opts);\n\
         [a[0].path, b[0].path, c[0].path, d[0].path, a[1].path]"
    );
    let value = session(&dir).eval(&code).unwrap();
    let paths: Vec<String> = value
        .into_array()
        .unwrap()
        .into_iter()
        .map(|p| p.into_string().unwrap())
        .collect();
    let read = |p: &str| std::fs::read(p).unwrap();
    assert!(paths[0].ends_with("generated/cat.png") && paths[4].ends_with("generated/tower.png"));
    assert_eq!(read(&paths[0]), read(&paths[1]), "same seed, same image");
    assert_ne!(read(&paths[0]), read(&paths[2]), "another seed, another image");
    assert_ne!(
        read(&paths[0]),
        read(&paths[3]),
        "an init image with skipped steps changes the result"
    );
    // With 4 of 6 steps skipped the result stays close to the init image (the cat photo).
    let d = image::open(&paths[3]).unwrap().to_rgb8();
    let cat = image::imageops::resize(
        &image::open("tests/data/clip/photos/cat.png").unwrap().to_rgb8(),
        16,
        16,
        image::imageops::FilterType::Lanczos3,
    );
    let a = image::open(&paths[0]).unwrap().to_rgb8();
    let dist = |x: &image::RgbImage| -> f64 {
        x.as_raw()
            .iter()
            .zip(cat.as_raw())
            .map(|(p, q)| (*p as f64 - *q as f64).abs())
            .sum::<f64>()
    };
    assert!(
        dist(&d) < dist(&a),
        "init-started {} vs from noise {}",
        dist(&d),
        dist(&a)
    );
}

#[test]
fn frames_are_saved_every_n_steps() {
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "{MODELS}generate(unet, clip, photos, #{{ ids: [\"tower\"], steps: 5, cutn: 1, cutn_batches: 1, save_every: 2 }}).len()"
    );
    let n = session(&dir).eval(&code).unwrap().as_int().unwrap();
    assert_eq!(n, 1);
    let frames = dir.path().join("run/generated/tower");
    let mut names: Vec<String> = std::fs::read_dir(&frames)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["step_0000.png", "step_0002.png", "step_0004.png"]);
    let losses = std::fs::read_to_string(dir.path().join("run/generated/tower_losses.csv")).unwrap();
    let lines: Vec<&str> = losses.lines().collect();
    assert_eq!(lines[0], "step,distance,clip,tv,range");
    assert_eq!(lines.len(), 6);
    let distance: f64 = lines[1].split(',').nth(1).unwrap().parse().unwrap();
    assert!(distance > 0.0 && distance < 5.0, "{distance}");
    assert!(!dir.path().join("run/generated/cat.png").exists());
}

#[test]
fn an_interrupt_stops_between_steps_and_keeps_finished_images() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let flag = s.interrupt_flag();
    let first = dir.path().join("run/generated/cat.png");
    let watcher = std::thread::spawn(move || {
        for _ in 0..6000 {
            if first.exists() {
                flag.store(true, Ordering::SeqCst);
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    });
    let code =
        format!("{MODELS}generate(unet, clip, photos, #{{ steps: 400, cutn: 1, cutn_batches: 1, save_every: 0 }});");
    let err = s.eval(&code).unwrap_err();
    assert!(watcher.join().unwrap(), "the first image was never written");
    assert_eq!(err.kind, brainclip::ErrorKind::Interrupted);
    assert!(err.message.contains("1 images were saved"), "{}", err.message);
    assert!(dir.path().join("run/generated/cat.png").exists());
    assert!(!dir.path().join("run/generated/tower.png").exists());
}

#[derive(Default)]
struct Lines(std::cell::RefCell<Vec<String>>);

impl brainclip::run::OutputSink for Lines {
    fn print(&self, _: &str) {}
    fn debug(&self, _: &str) {}
    fn progress(&self, line: &str) {
        self.0.borrow_mut().push(line.to_string());
    }
}

#[test]
fn a_notebook_sees_the_progress_line_with_the_guidance_distance() {
    // What the kernel shows in place in a cell (the same sink the Jupyter kernel installs).
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let lines = std::rc::Rc::new(Lines::default());
    s.set_output(Some(lines.clone()));
    let n = s
        .eval(&format!(
            "{MODELS}generate(unet, clip, photos, #{{ ids: [\"cat\"], steps: 6, cutn: 1, cutn_batches: 1 }}).len()"
        ))
        .unwrap();
    assert_eq!(n.as_int().unwrap(), 1);
    let lines = lines.0.borrow();
    let last = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("generate"))
        .expect("a generate progress line");
    assert!(last.starts_with("generate 1/1 cat ["), "{last}");
    assert!(last.contains("6/6") && last.contains("distance "), "{last}");
}
