"""Loads a folder SparkFT exported with Hugging Face transformers (AutoModelForSequenceClassification and the
folder's tokenizer.json) and prints its accuracy and confusion matrix on a raw-text Parquet split (columns
text, label), to set beside the report SparkFT printed for the same split. A reference only.

  .venv/bin/python scripts/reference/predict_exported.py runs/spam-minilm/model examples/data/spam/test
"""
import sys

import numpy as np
import pandas as pd
import torch
import transformers


def main():
    folder, split = sys.argv[1], sys.argv[2]
    max_length = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    torch.set_num_threads(1)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=folder + "/tokenizer.json")
    model = transformers.AutoModelForSequenceClassification.from_pretrained(folder).eval()
    frame = pd.read_parquet(split)
    enc = tokenizer(list(frame["text"]), max_length=max_length, padding="max_length", truncation=True,
                    return_token_type_ids=True, return_tensors="pt")
    predictions = []
    with torch.no_grad():
        for s in range(0, len(frame), 50):
            predictions.append(model(**{k: v[s:s + 50] for k, v in enc.items()}).logits.argmax(-1).numpy())
    p = np.concatenate(predictions)
    y = np.array([model.config.label2id[label] for label in frame["label"]])
    labels = sorted(model.config.id2label)
    print("labels", [model.config.id2label[k] for k in labels], "accuracy", float((p == y).mean()), "n", len(y))
    print("confusion (rows actual, columns predicted):")
    for a in labels:
        print([int(((y == a) & (p == b)).sum()) for b in labels])


if __name__ == "__main__":
    main()
