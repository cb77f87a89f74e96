use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("data_path", Area::Data)
    .params(&[param("name", "string"), optional("default", "string")])
    .returns("string")
    .summary("Where this lab keeps a dataset of the data catalog (brainclip.toml), or a file in it: \"GOD\", \"GOD:Subject1.h5\".")
    .details(
        "The catalog maps dataset names to local paths, so a script shared between labs names its data
the same way everywhere. brainclip.toml is looked up in the working directory, then in the user's
config folder; --catalog FILE chooses one (`brainclip catalog` shows which is used):
[datasets.GOD]
path = \"/data/GOD\"
notes = \"Horikawa & Kamitani (2017)\"
Catalogued paths are readable by the script, and the manifest records their files as dataset
name + path inside it, with size and SHA-256. With a default, a name missing from the catalog
gives the default instead of an error.",
    )
    .example(r#"data_path("GOD:Subject1.h5", "none") == "none""#);

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    let lookup = run.clone();
    reg.plain(&SPEC, move |name: ImmutableString| {
        Ok(lookup.catalog().resolve(&name)?.display().to_string())
    });
    reg.plain(&SPEC, move |name: ImmutableString, default: ImmutableString| {
        Ok(match run.catalog().resolve(&name) {
            Ok(path) => path.display().to_string(),
            Err(crate::run::CatalogError::Unknown { .. }) => default.to_string(),
            Err(e) => return Err(e.into()),
        })
    });
}
