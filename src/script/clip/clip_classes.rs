use rhai::{Array, Dynamic, Map};

use super::{embed_cached, row_ids, strings, template_list};
use crate::data::embeddings::EmbeddingKind;
use crate::run::{EncodeProgress, RunContext};
use crate::script::fault::ScriptResult;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{ClipValue, EmbeddingsValue};

pub const DOC: FnDoc = FnDoc {
    name: "clip_classes",
    area: "clip",
    signatures: &[
        "clip_classes(clip: Clip, names: array) -> Embeddings",
        "clip_classes(clip: Clip, names: array, options: map) -> Embeddings",
    ],
    summary: "CLIP class embeddings of category names through prompt templates (kind class, one row per name).",
    details: "templates: \"brainclip\" (default: \"an image of {}.\", as BrainCLIP's GOD prompts),
\"imagenet\" (CLIP's 80 ImageNet templates: each prompt's embedding normalised, averaged over the
templates and normalised again), or an array of strings containing {}.
Other options as clip_text: batch, ids (default: the names), name (\"clip/class\"), cache.",
    example: r#"let clip = clip_load("tests/data/clip/tiny");
let one = clip_classes(clip, ["ostrich", "cat"]);
let many = clip_classes(clip, ["ostrich", "cat"], #{ templates: "imagenet" });
let mine = clip_classes(clip, ["ostrich"], #{ templates: ["a {} in the zoo", "a drawing of a {}"] });
one.count == 2 && many.dim == 32 && many.ids[0] == "ostrich" && mine.count == 1"#,
};

const VALID: &[&str] = &["batch", "ids", "name", "cache", "templates"];

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let r = run.clone();
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, names: Array| -> ScriptResult<EmbeddingsValue> {
                embed(&r, &clip, &names, Options::empty(DOC.name), None)
            },
        );
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, names: Array, options: Map| -> ScriptResult<EmbeddingsValue> {
                let templates = options.get("templates").cloned();
                embed(&run, &clip, &names, Options::new(DOC.name, options, VALID)?, templates)
            },
        );
    });
}

fn embed(
    run: &RunContext,
    clip: &ClipValue,
    names: &Array,
    opts: Options,
    templates_value: Option<Dynamic>,
) -> ScriptResult<EmbeddingsValue> {
    let names = strings(DOC.name, "names", names)?;
    let templates = template_list(DOC.name, templates_value)?;
    let ids = row_ids(DOC.name, &opts, names.clone())?;
    let preprocessing = format!(
        "OpenAI CLIP tokenizer; {} prompt template(s) averaged: {}",
        templates.len(),
        templates.first().map_or("", String::as_str)
    );
    embed_cached(
        run,
        DOC.name,
        clip,
        &opts,
        (EmbeddingKind::Class, preprocessing, ids),
        |batch| {
            let refs: Vec<&str> = templates.iter().map(String::as_str).collect();
            clip.0
                .embed_classes(&names, &refs, batch, &mut EncodeProgress::new(run, DOC.name))
        },
    )
}
