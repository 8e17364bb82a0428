"""PyTorch + transformers reference for SparkFT's text fine-tune: the same recipe as the Java side, to
compare accuracy and per-class P/R/F1 against. A reference only, never a runtime dependency.

  .venv/bin/python scripts/reference/torch_finetune_spam.py --model HF_DIR \
      --train examples/data/spam/train --test examples/data/spam/test --epochs 3 --seed 42

HF_DIR: a Hugging Face folder (config.json + model.safetensors or pytorch_model.bin), e.g. the
all-MiniLM-L6-v2 export SparkFT writes; its tokenizer.json is used unless --tokenizer names one.
Data: raw-text Parquet folders or files with columns text, label (as examples/data/spam and
scripts/fetch-spamassassin.sh write them), read with pandas + pyarrow; a .jsonl file with the same
fields also works. Labels are the sorted distinct training labels, as TokenizeTextStage discovers them.

Recipe: BertForSequenceClassification (new head initialised by transformers: normal(0, initializer_range),
bias 0; dropout as in config.json, or --dropout), inputs padded/truncated to --max-length, AdamW (betas 0.9/0.999,
eps 1e-8) with weight decay on every tensor except biases and LayerNorm weights, learning rate warmed
up linearly over the first floor(--warmup-ratio * steps) steps then decayed linearly to 0
(transformers' get_linear_schedule_with_warmup), gradient norm
clipped to --clip, mean cross-entropy over each batch of --batch-size. An epoch is floor(N / batch)
steps over a permutation seeded by (seed, epoch); the last partial batch is dropped (as SparkFT's global
batch schedule does). Evaluation: argmax over the test logits.
"""
import argparse
import json
import math
import pathlib
import time

import numpy as np
import pandas as pd
import torch
import transformers


def read_split(path):
    p = pathlib.Path(path)
    if p.suffix == ".jsonl":
        frame = pd.read_json(p, lines=True)
    else:
        frame = pd.read_parquet(p)
    missing = {"text", "label"} - set(frame.columns)
    if missing:
        raise SystemExit(f"{path}: missing column(s) {sorted(missing)}; have {list(frame.columns)}")
    return frame


def encode(tokenizer, texts, max_length):
    enc = tokenizer(list(texts), max_length=max_length, padding="max_length", truncation=True,
                    return_token_type_ids=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]


def decay_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def report(y_true, y_pred, names):
    lines = [f"{'':>12} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>9}"]
    per_class = {}
    for k, name in enumerate(names):
        tp = int(np.sum((y_pred == k) & (y_true == k)))
        fp = int(np.sum((y_pred == k) & (y_true != k)))
        fn = int(np.sum((y_pred != k) & (y_true == k)))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        support = int(np.sum(y_true == k))
        per_class[name] = {"precision": p, "recall": r, "f1": f1, "support": support}
        lines.append(f"{name:>12} {p:9.4f} {r:9.4f} {f1:9.4f} {support:9d}")
    accuracy = float(np.mean(y_true == y_pred))
    lines.append(f"{'accuracy':>12} {'':>9} {'':>9} {accuracy:9.4f} {len(y_true):9d}")
    return "\n".join(lines), accuracy, per_class


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face model folder")
    ap.add_argument("--tokenizer", help="tokenizer.json (default: MODEL/tokenizer.json)")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=None,
                    help="hidden and attention dropout (default: config.json's; 0 matches SparkFT, which has none)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tokenizer_file = a.tokenizer or str(pathlib.Path(a.model) / "tokenizer.json")
    if not pathlib.Path(tokenizer_file).is_file():
        raise SystemExit(f"no tokenizer at {tokenizer_file}; pass --tokenizer PATH/tokenizer.json")
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=tokenizer_file)

    train, test = read_split(a.train), read_split(a.test)
    names = sorted(train["label"].unique())
    unknown = set(test["label"]) - set(names)
    if unknown:
        raise SystemExit(f"{a.test}: labels {sorted(unknown)} do not occur in {a.train}")
    y_train = torch.tensor([names.index(v) for v in train["label"]])
    y_test = np.array([names.index(v) for v in test["label"]])
    x_train = encode(tokenizer, train["text"], a.max_length)
    x_test = encode(tokenizer, test["text"], a.max_length)

    overrides = {} if a.dropout is None else {"hidden_dropout_prob": a.dropout, "attention_probs_dropout_prob": a.dropout}
    model = transformers.BertForSequenceClassification.from_pretrained(a.model, num_labels=len(names), **overrides)
    optimizer = torch.optim.AdamW(decay_groups(model, a.weight_decay), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    steps_per_epoch = len(train) // a.batch_size
    if steps_per_epoch == 0:
        raise SystemExit(f"{len(train)} training rows is less than one batch of {a.batch_size}")
    total = steps_per_epoch * a.epochs
    warmup = math.floor(a.warmup_ratio * total)
    # lr * step / warmup during warmup (update 0 uses lr 0), then linear to 0: as SparkFT's Schedules.
    scheduler = transformers.get_linear_schedule_with_warmup(optimizer, warmup, total)
    print(json.dumps({"config": {k: v for k, v in vars(a).items()}, "labels": names, "train_rows": len(train),
                      "test_rows": len(test), "steps": total, "warmup_steps": warmup,
                      "hidden_dropout": model.config.hidden_dropout_prob,
                      "torch": torch.__version__, "transformers": transformers.__version__}), flush=True)

    started = time.perf_counter()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(a.seed * 1000 + epoch))
        losses = []
        for s in range(steps_per_epoch):
            idx = order[s * a.batch_size:(s + 1) * a.batch_size]
            out = model(input_ids=x_train[0][idx], attention_mask=x_train[1][idx], token_type_ids=x_train[2][idx],
                        labels=y_train[idx])
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(out.loss.item())
        print(json.dumps({"epoch": epoch + 1, "mean_loss": round(float(np.mean(losses)), 5),
                          "elapsed_s": round(time.perf_counter() - started, 1)}), flush=True)

    model.eval()
    predictions = []
    with torch.no_grad():
        for s in range(0, len(test), 128):
            logits = model(input_ids=x_test[0][s:s + 128], attention_mask=x_test[1][s:s + 128],
                           token_type_ids=x_test[2][s:s + 128]).logits
            predictions.append(logits.argmax(-1).numpy())
    text, accuracy, per_class = report(y_test, np.concatenate(predictions), names)
    print(text)
    print(json.dumps({"accuracy": accuracy, "per_class": per_class,
                      "train_s": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
