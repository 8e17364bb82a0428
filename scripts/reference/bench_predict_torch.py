"""Reference timing of batch inference with PyTorch + transformers, to set beside `sparkft predict` (PredictBench):
a folder SparkFT exported, the raw texts of a Parquet table (column text) tokenised with the folder's
tokenizer.json (padding and truncation to --max-length), forward passes without gradients in batches of --batch,
softmax probabilities and argmax, as predict computes them. One warm-up batch, then the whole table timed.

  .venv/bin/python scripts/reference/bench_predict_torch.py FOLDER TABLE --max-length 128 --batch 32 --threads 2

Prints one JSON line: rows, seconds, samples/s (tokenisation included) and the process' peak RSS.
"""
import argparse
import json
import resource
import time

import pandas as pd
import torch
import transformers


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder")
    p.add_argument("table")
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=a.folder + "/tokenizer.json")
    model = transformers.AutoModelForSequenceClassification.from_pretrained(a.folder).eval()
    texts = [t for t in pd.read_parquet(a.table, columns=["text"])["text"] if t and t.strip()]

    def score(batch):
        enc = tokenizer(batch, max_length=a.max_length, padding="max_length", truncation=True,
                        return_token_type_ids=True, return_tensors="pt")
        with torch.inference_mode():
            probabilities = model(**enc).logits.softmax(-1)
        return probabilities.argmax(-1).tolist(), probabilities.tolist()

    score(texts[:a.batch])
    start = time.perf_counter()
    for s in range(0, len(texts), a.batch):
        score(texts[s:s + a.batch])
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": len(texts), "seconds": seconds, "samples_per_s": len(texts) / seconds,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "torch": torch.__version__, "transformers": transformers.__version__}))


if __name__ == "__main__":
    main()
