"""Reference check: a folder SparkFT exported from a fine-tuned model (dev.sparkft.bert.BertExport) must load in
transformers with AutoModelFor{Sequence,Token}Classification and give SparkFT's logits on the same inputs.

    python scripts/reference/check_export.py <exported-folder> <case.json> [tolerance]

case.json (written by the JUnit test BertExportTest) holds the task, the texts, the token ids SparkFT used
(input_ids, attention_mask, token_type_ids, [n][seq]) and SparkFT's logits. The folder's tokenizer.json, read
with the `tokenizers` library, must give the same ids. Exit status 0 when everything agrees.
"""
import json
import os
import sys

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

CLASSES = {"sequence-classification": AutoModelForSequenceClassification,
           "token-classification": AutoModelForTokenClassification}


def main():
    folder, case_file = sys.argv[1], sys.argv[2]
    tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    torch.set_num_threads(1)
    with open(case_file) as f:
        case = json.load(f)
    ids = np.array(case["input_ids"], dtype=np.int64)
    mask = np.array(case["attention_mask"], dtype=np.int64)
    types = np.array(case["token_type_ids"], dtype=np.int64)
    ours = np.array(case["logits"], dtype=np.float32)

    tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    same_ids = True
    for i, texts in enumerate(case["texts"]):
        e = tokenizer.encode(*texts)
        n = int(mask[i].sum())
        same_ids &= e.ids == ids[i, :n].tolist() and e.type_ids == types[i, :n].tolist()

    model, info = CLASSES[case["task"]].from_pretrained(folder, output_loading_info=True)
    model.eval()
    problems = {k: v for k, v in info.items() if v}
    with torch.no_grad():
        logits = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                       token_type_ids=torch.from_numpy(types)).logits.numpy()
    if case["task"] == "token-classification":
        diff = np.abs(logits - ours)[mask.astype(bool)].max()
    else:
        diff = np.abs(logits - ours).max()
    print(f"{type(model).__name__} from {folder}: labels {model.config.id2label}, batch {ids.shape}")
    print("transformers loading info (non-empty entries):", problems or "none")
    print("tokenizers gives SparkFT's token ids:", same_ids)
    print(f"max |logits(transformers) - logits(SparkFT)| = {diff:.3e} (max |logit| {np.abs(ours).max():.3f})")
    ok = diff <= tolerance and same_ids and not problems
    print("OK" if ok else "MISMATCH", f"(tolerance {tolerance})")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
