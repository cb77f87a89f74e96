use crate::script::prelude::*;

use crate::data::formats::captions;

pub static SPEC: FnSpec = FnSpec::new("load_captions", Area::Data)
    .params(&[param("path", "string")])
    .returns("map")
    .summary("Read captions by image id from the BrainCLIP authors' JSON or Kamitani lab's JSONL shape.")
    .details(
        "Shapes: a JSON object {image_id: [\"an image of X.\", caption, ...]}; or one JSON object
per line {\"image_id\", \"category_id\", \"captions\": [...]} (a JSON array of those works too).
Returns a map image id → array of captions.",
    )
    .example(
        r#"let path = save_json(#{ "n01518878_10042": ["an image of ostrich.", "a large bird"] }, "caps.json");
let caps = load_captions(path);
caps.keys() == ["n01518878_10042"] && caps["n01518878_10042"] == ["an image of ostrich.", "a large bird"]"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        let file = run.read_data(&path)?;
        let caps = captions::read_captions(&file)?;
        Ok(to_dynamic(&caps.by_image))
    });
}
