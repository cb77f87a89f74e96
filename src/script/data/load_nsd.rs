use crate::script::prelude::*;

use crate::data::nsd::{NsdLayout, NsdOptions, load_subject};
use crate::run::EncodeProgress;

pub static SPEC: FnSpec = FnSpec::new("load_nsd", Area::Data)
    .params(&[param("root", "string")])
    .returns("map")
    .summary(
        "Load one Natural Scenes Dataset subject from NSD's own files: #{ train, test } datasets of the ROI's voxels, test = the shared images.",
    )
    .details(
        "`root` holds NSD's folders nsddata/, nsddata_betas/ and nsddata_stimuli/ as NSD distributes
them. Each session's betas (betas_sessionNN.nii.gz or .hdf5, int16 / 300) are read volume by
volume under the ROI, z-scored per voxel within the session, and then averaged by image or kept as
single trials. Samples are named by 0-based NSD id (nsdId; nsd_images(root, ids) reads the
pictures) and carry the image's first COCO caption. Images never straddle the split. The result
also holds `report`: sessions and files read, voxels, samples and images per split; it is
recorded in the manifest. No embeddings are attached: join them with attach_embeddings.",
    )
    .settings(schema::<NsdOptions>)
    .example(
        r#"let nsd = load_nsd("tests/data/nsd", #{ subject: 1, trials_per_session: 20 });
let single = load_nsd("tests/data/nsd", #{ sessions: [1], average: "none", trials_per_session: 20, captions: false });
nsd.test.n_samples == 6 && nsd.train.n_samples == 42 && nsd.test.n_voxels == 13
    && nsd.test.ids[0] == "3" && nsd.test.captions[0] == "picture 3 caption 0" && nsd.report.sessions == [1, 2, 3]
    && single.report.trials == 20 && single.test.n_samples + single.train.n_samples == 20"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |root: ImmutableString, options: Opts| {
        let settings: NsdOptions = options.parse()?;
        let root = run.readable(&root)?;
        let progress = EncodeProgress::new(&run, "load_nsd sessions");
        let subject = progress.counting(|report| load_subject(&root, &settings, report))?;
        for file in NsdLayout::new(&root).small_files(&settings) {
            run.read_data(&file.display().to_string())?;
        }
        run.record_data(
            serde_json::json!({ "kind": "nsd", "root": root, "options": settings, "report": subject.report }),
        );
        Ok(map_of([
            ("report", to_dynamic(&subject.report)),
            ("train", subject.train.into_script()),
            ("test", subject.test.into_script()),
        ]))
    });
}
