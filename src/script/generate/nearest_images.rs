use crate::script::prelude::*;

use crate::run::{GalleryPick, GallerySource, nearest_gallery_images};

pub static SPEC: FnSpec = FnSpec::new("nearest_images", Area::Generate)
    .params(&[param("targets", "Embeddings"), param("gallery", "Embeddings")])
    .returns("array")
    .summary("For each target row, the gallery image whose embedding is most similar (cosine): the authors' init images.")
    .details(
        "The gallery is an embedding cache whose ids name image files (as clip_images writes them:
file names without extension). Returns one Image per target (with k > 1, an array of the k
nearest per target, best first); each Image's path names the file.",
    )
    .options(&[
        Opt::string("folder", "", "where the gallery images are: FOLDER/ID.png|.jpg|.jpeg|.JPEG; () for ids that are paths")
            .none_by_default(),
        Opt::value(
            "images",
            "[Image]",
            "the gallery's Images themselves, one per gallery row in its order (instead of files; e.g. world.train_images)",
        ),
        Opt::int("k", 1, "how many neighbours per target").min(1.0),
    ])
    .example(
        r#"let clip = clip_load("tests/data/clip/tiny");
let gallery = clip_images(clip, "tests/data/clip/photos");
let found = nearest_images(gallery, gallery, #{ folder: "tests/data/clip/photos" });
let two = nearest_images(gallery, gallery, #{ images: [found[1], found[0], found[3], found[2]], k: 2 });
found.len() == 4 && found[0].path.ends_with("cat.png") && found[0].width == 320
    && two.len() == 4 && two[0].len() == 2 && two[0][0].path == found[1].path"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(
        &SPEC,
        move |targets: EmbeddingsValue, gallery: EmbeddingsValue, options: Opts| {
            let given = options.array_of::<ImageValue>("images", "gallery Images")?;
            let folder = options.get::<Option<String>>("folder")?.filter(|f| !f.is_empty());
            let source = match &given {
                Some(list) => GallerySource::Given(list),
                None => GallerySource::Files(folder.as_deref()),
            };
            let k: usize = options.get("k")?;
            let picks = nearest_gallery_images(&run, &targets.0, &gallery.0, k, source)?;
            let image = |pick: GalleryPick<ImageValue>| match pick {
                GalleryPick::Given(image) => Dynamic::from(image.clone()),
                GalleryPick::File { image, path } => Dynamic::from(ImageValue {
                    image,
                    path: path.display().to_string(),
                }),
            };
            let rows = picks
                .into_iter()
                .map(|row| row.into_iter().map(image).collect::<Array>());
            Ok(if k == 1 {
                rows.flatten().collect::<Array>()
            } else {
                rows.map(Dynamic::from).collect()
            })
        },
    );
}
