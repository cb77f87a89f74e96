use crate::model::{MappingSettings, SharedConfig};
use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("shared_net", Area::Model)
    .params(&[param("datasets", "array")])
    .returns("SharedNet")
    .summary("Configure a shared-subject network (MindEye2's design) for several subjects' datasets: one linear input layer per subject into a shared space, one trunk and heads for all.")
    .details(
        "The datasets give each subject's voxels (they may differ) and the embedding width; train(net,
datasets) fits it, subject_model(model, name) decodes one subject, and fine_tune(model, data)
adds a new subject with its own input layer and a frozen or slower trunk. The trunk options are
mapping_net's, on the shared space.",
    )
    .settings(schema::<MappingSettings>)
    .options(&[
        Opt::strings("subjects", &[], "one name per dataset")
            .computed("each dataset's subject (data.subjects), else \"s1\", \"s2\", ...")
            .for_binding(),
        Opt::int("shared_width", 1024, "width of the shared space the input layers map into")
            .range(1.0, 65_536.0)
            .for_binding(),
    ])
    .example(
        r#"let s1 = god_synthetic(#{ voxels: 60, dim: 16, subject: 1 });
let s2 = god_synthetic(#{ voxels: 80, dim: 16, subject: 2 });
let net = shared_net([s1.train, s2.train], #{ shared_width: 64, width: 32, blocks: 1 });
net.subjects == ["s1", "s2"] && net.voxels == [60, 80] && net.shared_width == 64
    && net.config.trunk.architecture == #{ kind: "residual", width: 32, blocks: 1 }"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |datasets: Array, options: Opts| {
        let parts: Vec<DatasetValue> = cast_array(datasets, "Datasets, one per subject")?;
        let parts: Vec<&crate::data::Dataset> = parts.iter().map(|p| &*p.0).collect();
        let options = options.seeded(&run);
        let settings: MappingSettings = options.parse()?;
        let (names, shared) = (options.given("subjects")?, options.get("shared_width")?);
        let config = SharedConfig::for_datasets(&parts, names, shared, &settings, options.get("seed")?)?;
        Ok(SharedNetValue(config))
    });
}
