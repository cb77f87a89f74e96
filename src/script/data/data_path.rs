use rhai::ImmutableString;

use crate::ErrorKind;
use crate::script::fault::ScriptFault;
use crate::script::registry::Registry;
use crate::script::spec::{Area, FnSpec, optional, param};
use crate::suggest::did_you_mean;

pub static SPEC: FnSpec = FnSpec::new("data_path", Area::Data)
    .params(&[param("name", "string"), optional("default", "string")])
    .returns("string")
    .summary("The path the data catalog (--catalog FILE) gives a dataset name; catalog paths are readable.")
    .details(
        "A catalog is a JSON object of names → paths, relative to the catalog file, e.g.
{ \"god/subject1\": \"GOD/Subject1.h5\" }. With a default, a name missing from the catalog gives the
default instead of an error.",
    )
    .example(r#"data_path("god/subject1", "none") == "none""#);

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    let lookup = run.clone();
    reg.plain(&SPEC, move |name: ImmutableString| {
        if let Some(p) = lookup.catalog_path(&name) {
            return Ok(p.display().to_string());
        }
        let names = lookup.catalog_names();
        let listed = if names.is_empty() {
            "no catalog given".to_string()
        } else {
            names.join(", ")
        };
        let fault = ScriptFault::new(
            ErrorKind::Data,
            format!("`{name}` is not in the data catalog ({listed})"),
        );
        Err(match did_you_mean(&name, names.iter().copied()) {
            Some(s) => fault.with_hint(format!("did you mean `{s}`?")),
            None => fault.with_hint("give a catalog with --catalog FILE (a JSON object of name → path)"),
        })
    });
    reg.plain(&SPEC, move |name: ImmutableString, default: ImmutableString| {
        Ok(run
            .catalog_path(&name)
            .map_or_else(|| default.to_string(), |p| p.display().to_string()))
    });
}
