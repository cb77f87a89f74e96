use crate::script::prelude::*;

use crate::data::nsd::{NsdLayout, StimulusBrick};

pub static SPEC: FnSpec = FnSpec::new("nsd_images", Area::Data)
    .params(&[param("stimuli", "string"), param("ids", "array")])
    .returns("array")
    .summary(
        "Read NSD stimulus images by 0-based NSD id from nsd_stimuli.hdf5, one at a time (the brick is never loaded).",
    )
    .details(
        "`stimuli` is nsd_stimuli.hdf5 or the NSD root folder. Ids are integers or strings such as a
dataset's ids. Each Image's path is nsd/ID.png, so clip_images names its rows by id.",
    )
    .example(
        r#"let nsd = load_nsd("tests/data/nsd", #{ trials_per_session: 20, captions: false });
let pictures = nsd_images("tests/data/nsd", nsd.test.ids);
let one = nsd_images("tests/data/nsd/nsddata_stimuli/stimuli/nsd/nsd_stimuli.hdf5", [7]);
pictures.len() == 6 && pictures[0].path == "nsd/3.png" && one[0].width == 32 && one[0].height == 32"#,
    );

fn id(value: &Dynamic) -> Result<usize, ScriptFault> {
    let parsed = if let Ok(i) = value.as_int() {
        usize::try_from(i).ok()
    } else {
        value.clone().into_string().ok().and_then(|s| s.trim().parse().ok())
    };
    parsed.ok_or_else(|| {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!(
                "NSD ids are non-negative integers or their strings, got {} `{value}`",
                value.type_name()
            ),
        )
    })
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |stimuli: ImmutableString, ids: Array| {
        let path = run.readable(&stimuli)?;
        let file = if path.is_dir() {
            NsdLayout::new(&path).stimuli()
        } else {
            path
        };
        let brick = StimulusBrick::open(&file)?;
        ids.iter()
            .map(|v| {
                let id = id(v)?;
                Ok(Dynamic::from(ImageValue::new(
                    brick.image(id)?,
                    format!("nsd/{id}.png"),
                )))
            })
            .collect::<Result<Array, ScriptFault>>()
    });
}
