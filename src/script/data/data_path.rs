use crate::script::fault::{ScriptFault, ScriptResult, did_you_mean};
use crate::ErrorKind;
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "data_path",
    area: "data",
    signatures: &[
        "data_path(name: string) -> string",
        "data_path(name: string, default: string) -> string",
    ],
    summary: "The path the data catalog (--catalog FILE) gives a dataset name; catalog paths are readable.",
    details: "A catalog is a JSON object of names → paths, relative to the catalog file, e.g.
{ \"god/subject1\": \"GOD/Subject1.h5\" }. With a default, a name missing from the catalog gives the
default instead of an error.",
    example: r#"data_path("god/subject1", "none") == "none""#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let lookup = run.clone();
        engine.register_fn(DOC.name, move |name: &str| -> ScriptResult<String> {
            match lookup.catalog_path(name) {
                Some(p) => Ok(p.display().to_string()),
                None => {
                    let names = lookup.catalog_names();
                    let mut fault = ScriptFault::new(
                        ErrorKind::Data,
                        format!(
                            "data_path: `{name}` is not in the data catalog ({})",
                            if names.is_empty() {
                                "no catalog given".to_string()
                            } else {
                                names.join(", ")
                            }
                        ),
                    );
                    fault = match did_you_mean(name, names.iter().copied()) {
                        Some(s) => fault.with_hint(format!("did you mean `{s}`?")),
                        None => fault.with_hint("give a catalog with --catalog FILE (a JSON object of name → path)"),
                    };
                    Err(fault.into())
                }
            }
        });
        engine.register_fn(DOC.name, move |name: &str, default: &str| -> String {
            run.catalog_path(name)
                .map_or_else(|| default.to_string(), |p| p.display().to_string())
        });
    });
}
