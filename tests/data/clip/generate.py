"""Generate the CLIP test fixtures (not run by the test suite).

    /work/venvs/torch29/bin/python tests/data/clip/generate.py CAT.jpg STREET.jpg TOWER.jpg

Writes into tests/data/clip/:
  bpe_simple_vocab_16e6.txt.gz  OpenAI's BPE merges (MIT), copied from the clip-anytorch package
  tokenizer_cases.json          tricky strings and OpenAI's ids for them (clip.tokenize, truncate=True)
  tiny/                         a Hugging Face CLIPModel with a small random config:
                                config.json, model.safetensors, vocab.json, merges.txt (the first
                                1000 merges of OpenAI's BPE), preprocessor_config.json
  reference.safetensors         the reference's token ids, inputs, embeddings and logits
  photos/*.png                  real photos (decoded from the JPEGs given, lossless)
  photos/*_224.png              CLIPImageProcessor's 224×224 output, as grey levels
"""

import gzip
import json
import os
import shutil
import sys

import clip
import open_clip
import numpy as np
import torch
import transformers
from clip.simple_tokenizer import SimpleTokenizer
from PIL import Image
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny")
MERGES = 1000


def tokenize(tok, texts, context=77):
    sot, eot = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]
    out = np.zeros((len(texts), context), dtype=np.int64)
    for i, t in enumerate(texts):
        ids = [sot] + tok.encode(t) + [eot]
        if len(ids) > context:
            ids = ids[:context]
            ids[-1] = eot
        out[i, : len(ids)] = ids
    return out


TRICKY = [
    "an image of ostrich.",
    "A photo of a DOG!!!",
    "",
    "   leading and   trailing   whitespace\t\n",
    "Café crème brûlée, naïve façade — jalapeño",
    "emoji 🦒🐘👍🏽 and flags 🇯🇵",
    "numbers 3.14159, 1,000,000 and 2024-11-30",
    "it's we're they've I'm you'll he'd",
    "HTML &amp; entities &lt;b&gt; &quot;quoted&quot; &#39;apos&#39; &eacute; &#x263A;",
    "double escaped &amp;amp; and &amp;lt;tag&amp;gt;",
    "&notit; &copy2024 &amp",
    "“curly quotes” and ‘single’ ones",
    "ligatures ﬁne ﬂow ﬀ",
    "full-width ＡＢＣ１２３！ and ideographic　space",
    "Ünïcödé NFC: e\u0301 vs é",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp",
    "<|startoftext|> special tokens <|endoftext|> in text",
    "日本語のテキストと中文",
    "Ελληνικά και русский текст",
    "punctuation!?... ;:-- (brackets) [square] {curly} \"quotes\" 'single'",
    "a " * 60 + "very long text that must be truncated at seventy-seven tokens",
    "mojibake: Ã©tÃ© â€” donâ€™t",
    "snake_case and camelCase and URLs https://example.com/a?b=c",
]


def main(photos):
    os.makedirs(TINY, exist_ok=True)
    os.makedirs(os.path.join(HERE, "photos"), exist_ok=True)
    full_bpe = os.path.join(os.path.dirname(clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    shutil.copy(full_bpe, os.path.join(HERE, "bpe_simple_vocab_16e6.txt.gz"))

    # --- full tokenizer cases (OpenAI's tokenizer, truncate=True) ---
    ids = clip.tokenize(TRICKY, truncate=True).numpy()
    eot = 49407
    cases = [{"text": t, "ids": [int(x) for x in row[: list(row).index(eot) + 1]]} for t, row in zip(TRICKY, ids)]
    with open(os.path.join(HERE, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n")

    # --- tiny BPE: the first MERGES merges ---
    lines = gzip.open(full_bpe).read().decode("utf-8").split("\n")
    header, merges = lines[0], lines[1 : 1 + MERGES]
    with open(os.path.join(TINY, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(["#version: 0.2"] + merges))  # Hugging Face's header
    tiny_gz = "/tmp/tiny_bpe.txt.gz"
    with gzip.open(tiny_gz, "wb") as f:
        # no trailing newline: SimpleTokenizer would read an empty merge
        f.write("\n".join([header] + merges).encode("utf-8"))
    tok = SimpleTokenizer(bpe_path=tiny_gz)
    vocab_size = len(tok.encoder)
    with open(os.path.join(TINY, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(tok.encoder, f, ensure_ascii=False)

    # --- tiny model ---
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config=dict(
            vocab_size=vocab_size, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=77, hidden_act="quick_gelu",
            bos_token_id=vocab_size - 2, eos_token_id=vocab_size - 1, pad_token_id=0,
        ),
        vision_config=dict(
            hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
            image_size=32, patch_size=8, hidden_act="gelu",
        ),
        projection_dim=32,
    )
    model = CLIPModel(config).eval()
    with torch.no_grad():  # random LayerNorms, class token and scale, so every parameter matters
        for name, p in model.named_parameters():
            if "layer_norm" in name or "layrnorm" in name or "layernorm" in name:
                p.add_(0.1 * torch.randn_like(p))
            elif "class_embedding" in name or "position_embedding" in name:
                p.copy_(0.5 * torch.randn_like(p))
        model.logit_scale.fill_(2.0)
    model.save_pretrained(TINY, safe_serialization=True)
    proc = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    proc.save_pretrained(TINY)

    hf_tok = CLIPTokenizer.from_pretrained(TINY)
    prompts = ["an image of ostrich.", "a photo of a cat", "a tower at night", "the the the dog"]
    text_ids = tokenize(tok, prompts)
    hf_ids = hf_tok(prompts, padding="max_length", max_length=77)["input_ids"]
    for a, b in zip(text_ids, hf_ids):
        n = int(np.count_nonzero(a))
        assert list(a[:n]) == list(b[:n]), (a[:n], b[:n])

    g = torch.Generator().manual_seed(1)
    pixels = torch.randn(3, 3, 32, 32, generator=g)
    photo_imgs = []
    for src in photos:
        name = os.path.splitext(os.path.basename(src))[0]
        img = Image.open(src).convert("RGB")
        img.save(os.path.join(HERE, "photos", f"{name}.png"))
        photo_imgs.append(img)
        ref = CLIPImageProcessor()(images=img, return_tensors="np")["pixel_values"][0]
        mean, std = np.array(proc.image_mean)[:, None, None], np.array(proc.image_std)[:, None, None]
        grey = (ref * std + mean) * 255.0
        assert np.abs(grey - np.round(grey)).max() < 1e-3
        Image.fromarray(np.round(grey).astype(np.uint8).transpose(1, 2, 0)).save(
            os.path.join(HERE, "photos", f"{name}_224.png")
        )
    photo_pixels = torch.from_numpy(proc(images=photo_imgs, return_tensors="np")["pixel_values"])

    with torch.no_grad():
        ids_t = torch.from_numpy(text_ids)
        img = model.visual_projection(model.vision_model(pixel_values=pixels).pooler_output)
        txt = model.text_projection(model.text_model(input_ids=ids_t).pooler_output)
        logits = model(input_ids=ids_t, pixel_values=pixels).logits_per_image
        photo = model.visual_projection(model.vision_model(pixel_values=photo_pixels).pooler_output)
    save_file(
        {
            "text_ids": ids_t.contiguous(),
            "pixel_values": pixels.contiguous(),
            "image_embeds": img.contiguous(),
            "text_embeds": txt.contiguous(),
            "logits_per_image": logits.contiguous(),
            "photo_pixel_values": photo_pixels.contiguous(),
            "photo_embeds": photo.contiguous(),
        },
        os.path.join(HERE, "reference.safetensors"),
        metadata={
            "prompts": json.dumps(prompts),
            "photos": json.dumps([os.path.splitext(os.path.basename(p))[0] + ".png" for p in photos]),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
    )
    open_clip_fixture(tok, text_ids, pixels)
    print("torch", torch.__version__, "transformers", transformers.__version__, "open_clip", open_clip.__version__)


def open_clip_fixture(tok, text_ids, pixels):
    """A tiny OpenCLIP ViT (width 32, one layer per tower, GELU) in OpenCLIP's own file layout."""
    folder = os.path.join(HERE, "tiny_open_clip")
    os.makedirs(folder, exist_ok=True)
    cfg = {
        "embed_dim": 16,
        "quick_gelu": False,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 8},
        "text_cfg": {"context_length": 77, "vocab_size": len(tok.encoder), "width": 32, "heads": 4, "layers": 1},
    }
    torch.manual_seed(2)
    model = open_clip.model.CLIP(**cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 or "embedding" in name:
                p.add_(0.2 * torch.randn_like(p))
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(folder, "open_clip_model.safetensors"))
    with open(os.path.join(folder, "open_clip_config.json"), "w") as f:
        json.dump({"model_cfg": cfg}, f, indent=1)
    shutil.copy(os.path.join(TINY, "merges.txt"), os.path.join(folder, "merges.txt"))
    with torch.no_grad():
        img = model.encode_image(pixels)
        txt = model.encode_text(torch.from_numpy(text_ids))
    save_file(
        {"image_embeds": img.contiguous(), "text_embeds": txt.contiguous()},
        os.path.join(HERE, "reference_open_clip.safetensors"),
        metadata={"open_clip": open_clip.__version__, "torch": torch.__version__},
    )


if __name__ == "__main__":
    main(sys.argv[1:])
