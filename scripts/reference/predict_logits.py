"""Logits of a folder SparkFT exported, computed by Hugging Face transformers, for the rows of a raw-text Parquet
table (columns id, text): what `sparkft predict` must reproduce. Writes JSON {"id": [...], "logits": [[...]],
"label": [...]} (label: the id2label name of the argmax). Rows with empty text are left out, as predict rejects
them. A reference only.

  .venv/bin/python scripts/reference/predict_logits.py FOLDER TABLE MAX_LENGTH OUT.json [THREADS]
"""
import json
import sys

import pandas as pd
import torch
import transformers


def main():
    folder, table, max_length, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=folder + "/tokenizer.json")
    model = transformers.AutoModelForSequenceClassification.from_pretrained(folder).eval()
    frame = pd.read_parquet(table)
    frame = frame[frame["text"].notna() & (frame["text"].str.strip() != "")]
    enc = tokenizer(list(frame["text"]), max_length=max_length, padding="max_length", truncation=True,
                    return_token_type_ids=True, return_tensors="pt")
    logits = []
    with torch.no_grad():
        for s in range(0, len(frame), 32):
            logits.append(model(**{k: v[s:s + 32] for k, v in enc.items()}).logits)
    z = torch.cat(logits)
    labels = [model.config.id2label[int(i)] for i in z.argmax(-1)]
    with open(out, "w") as f:
        json.dump({"id": [str(i) for i in frame["id"]], "logits": z.tolist(), "label": labels}, f)


if __name__ == "__main__":
    main()
