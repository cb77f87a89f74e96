use crate::script::prelude::*;

use super::{cache_options, embed_cached, row_ids, strings, templates};
use crate::clip::cache::EmbeddingRequest;
use crate::data::embeddings::EmbeddingKind;
use crate::run::EncodeProgress;

/// The prompt templates, then the options of every embedding function.
const OPTIONS: [Opt; 5] = {
    let [batch, ids, name, cache] = cache_options("the names", "clip/class");
    let templates = Opt::value(
        "templates",
        "\"brainclip\" | \"imagenet\" | [string]",
        "\"brainclip\" (default: \"an image of {}.\", as BrainCLIP's GOD prompts), \"imagenet\" (CLIP's 80 ImageNet templates), or an array of strings each containing {} once",
    );
    [templates, batch, ids, name, cache]
};

pub static SPEC: FnSpec = FnSpec::new("clip_classes", Area::Clip)
    .params(&[param("clip", "Clip"), param("names", "array")])
    .returns("Embeddings")
    .summary("CLIP class embeddings of category names through prompt templates (kind class, one row per name).")
    .details(
        "With several templates each prompt's embedding is normalised, averaged over the templates and
normalised again (CLIP's zero-shot recipe).",
    )
    .options(&OPTIONS)
    .example(
        r#"let clip = clip_load("tests/data/clip/tiny");
let one = clip_classes(clip, ["ostrich", "cat"]);
let many = clip_classes(clip, ["ostrich", "cat"], #{ templates: "imagenet" });
let mine = clip_classes(clip, ["ostrich"], #{ templates: ["a {} in the zoo", "a drawing of a {}"] });
one.count == 2 && one.ids == ["ostrich", "cat"] && one.kind == "class" && one.name == "clip/class"
    && one.preprocessing.ends_with("1 prompt template(s) averaged: an image of {}.")
    && many.dim == 32 && many.preprocessing.contains("80 prompt template(s)")
    && mine.count == 1 && mine.preprocessing.ends_with("averaged: a {} in the zoo")"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |clip: ClipValue, names: Array, options: Opts| {
        let names = strings("names", &names)?;
        let templates = templates(&options)?;
        let ids = row_ids(&options, names.clone())?;
        let preprocessing = format!(
            "OpenAI CLIP tokenizer; {} prompt template(s) averaged: {}",
            templates.len(),
            templates.first().map_or("", String::as_str)
        );
        let request = EmbeddingRequest::new(clip.0.name.clone(), EmbeddingKind::Class, preprocessing, ids);
        embed_cached(&run, &options, request, |batch| {
            let refs: Vec<&str> = templates.iter().map(String::as_str).collect();
            clip.0
                .embed_classes(&names, &refs, batch, &mut EncodeProgress::new(&run, SPEC.name))
        })
    });
}
