use crate::script::prelude::*;

use super::{cache_options, embed_cached, row_ids, strings};
use crate::clip::cache::EmbeddingRequest;
use crate::data::embeddings::EmbeddingKind;
use crate::run::EncodeProgress;

pub static SPEC: FnSpec = FnSpec::new("clip_text", Area::Clip)
    .params(&[param("clip", "Clip"), param("texts", "array")])
    .returns("Embeddings")
    .summary("CLIP text embeddings (L2-normalised, one row per text) as an embedding cache of kind text.")
    .details(
        "Texts are tokenized as OpenAI's clip.tokenize(truncate=True) does (clean-up, BPE, 77 tokens).
A progress bar shows on a terminal or in a notebook.",
    )
    .options(&cache_options("\"0\", \"1\", ...", "clip/text"))
    .example(
        r#"let clip = clip_load("tests/data/clip/tiny");
let e = clip_text(clip, ["an image of ostrich.", "a photo of a cat"], #{ ids: ["ostrich", "cat"] });
let cache = `${run_dir()}/texts.json`;
let first = clip_text(clip, ["a cat"], #{ cache: cache, name: "first" });
let reused = clip_text(clip, ["a cat"], #{ cache: cache, name: "second" });
e.count == 2 && e.dim == 32 && e.kind == "text" && e.ids == ["ostrich", "cat"] && e.name == "clip/text"
    && e.model == clip.name && first.ids == ["0"] && reused.name == "first""#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |clip: ClipValue, texts: Array, options: Opts| {
        let texts = strings("texts", &texts)?;
        let ids = row_ids(&options, (0..texts.len()).map(|i| i.to_string()).collect())?;
        let request = EmbeddingRequest::new(
            clip.0.name.clone(),
            EmbeddingKind::Text,
            "OpenAI CLIP tokenizer (clean-up, BPE, 77 tokens)",
            ids,
        );
        embed_cached(&run, &options, request, |batch| {
            clip.0
                .embed_texts(&texts, batch, &mut EncodeProgress::new(&run, SPEC.name))
        })
    });
}
