"""Loads a folder SparkFT exported with Hugging Face transformers (AutoModelForSequenceClassification and the
folder's tokenizer.json) and prints its accuracy and confusion matrix on a raw-text Parquet split (columns
text, label), to set beside the report SparkFT printed for the same split. A reference only.

  .venv/bin/python scripts/reference/predict_exported.py runs/spam-minilm/model examples/data/spam/test

With --peft-base BASE (a LoRA run's export) the model is instead PEFT's: the Hugging Face folder BASE with the
export's adapter/ folder loaded onto it (PeftModel.from_pretrained); the merged folder itself is the default.
"""
import sys

import numpy as np
import pandas as pd
import torch
import transformers


def main():
    args = sys.argv[1:]
    base = None
    if "--peft-base" in args:
        at = args.index("--peft-base")
        base = args[at + 1]
        del args[at:at + 2]
    folder, split = args[0], args[1]
    max_length = int(args[2]) if len(args) > 2 else 128
    torch.set_num_threads(1)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=folder + "/tokenizer.json")
    model = transformers.AutoModelForSequenceClassification.from_pretrained(folder).eval()
    if base is not None:
        import peft
        merged_config = model.config
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=merged_config.num_labels, id2label=merged_config.id2label,
            label2id=merged_config.label2id)
        model = peft.PeftModel.from_pretrained(model, folder + "/adapter").eval()
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
