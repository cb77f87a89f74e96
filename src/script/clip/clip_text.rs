use rhai::{Array, Map};

use super::{COMMON, embed_cached, row_ids, strings};
use crate::data::embeddings::EmbeddingKind;
use crate::run::EncodeProgress;
use crate::script::fault::ScriptResult;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{ClipValue, EmbeddingsValue};

pub const DOC: FnDoc = FnDoc {
    name: "clip_text",
    area: "clip",
    signatures: &[
        "clip_text(clip: Clip, texts: array) -> Embeddings",
        "clip_text(clip: Clip, texts: array, options: map) -> Embeddings",
    ],
    summary: "CLIP text embeddings (L2-normalised, one row per text) as an embedding cache of kind text.",
    details: "Texts are tokenized as OpenAI's clip.tokenize(truncate=True) does (clean-up, BPE, 77 tokens).
Options: batch (32), ids (default \"0\", \"1\", ...), name (\"clip/text\"), cache (a sidecar path:
reused when it holds this model's embeddings of the same ids, otherwise written into the run
directory under that file name). A progress bar shows on a terminal or in a notebook.",
    example: r#"let clip = clip_load("tests/data/clip/tiny");
let e = clip_text(clip, ["an image of ostrich.", "a photo of a cat"], #{ ids: ["ostrich", "cat"] });
e.count == 2 && e.dim == 32 && e.kind == "text" && e.ids[1] == "cat""#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let r = run.clone();
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, texts: Array| -> ScriptResult<EmbeddingsValue> {
                embed(&r, &clip, &texts, Options::empty(DOC.name))
            },
        );
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, texts: Array, options: Map| -> ScriptResult<EmbeddingsValue> {
                embed(&run, &clip, &texts, Options::new(DOC.name, options, COMMON)?)
            },
        );
    });
}

fn embed(
    run: &crate::run::RunContext,
    clip: &ClipValue,
    texts: &Array,
    opts: Options,
) -> ScriptResult<EmbeddingsValue> {
    let texts = strings(DOC.name, "texts", texts)?;
    let ids = row_ids(DOC.name, &opts, (0..texts.len()).map(|i| i.to_string()).collect())?;
    let preprocessing = "OpenAI CLIP tokenizer (clean-up, BPE, 77 tokens)".to_string();
    embed_cached(
        run,
        DOC.name,
        clip,
        &opts,
        (EmbeddingKind::Text, preprocessing, ids),
        |batch| {
            clip.0
                .embed_texts(&texts, batch, &mut EncodeProgress::new(run, DOC.name))
        },
    )
}
