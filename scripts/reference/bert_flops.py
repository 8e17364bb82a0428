"""FLOPs of Hugging Face BERT classifiers per example, counted by PyTorch's FlopCounterMode.

    bert_flops.py CASES.json OUT.json

CASES.json: a list of {hidden, layers, heads, intermediate, labels, task ("sequence" | "token"), seq, lora: null or
{rank, targets}}. OUT.json: per case {forward, training} FLOPs per example (batch of 2, divided by 2), training
being one forward and one backward pass. Random weights: the count depends on shapes only.
"""
import json
import sys

import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import BertConfig, BertForSequenceClassification, BertForTokenClassification


def count(case):
    config = BertConfig(vocab_size=100, hidden_size=case["hidden"], num_hidden_layers=case["layers"],
                        num_attention_heads=case["heads"], intermediate_size=case["intermediate"],
                        num_labels=case["labels"], max_position_embeddings=max(64, case["seq"]),
                        attn_implementation="eager")
    cls = BertForTokenClassification if case["task"] == "token" else BertForSequenceClassification
    model = cls(config)
    if case["lora"]:
        from peft import LoraConfig, get_peft_model
        head = ["classifier"] + (["pooler"] if case["task"] != "token" else [])
        model = get_peft_model(model, LoraConfig(r=case["lora"]["rank"], lora_alpha=case["lora"]["rank"],
                                                 target_modules=case["lora"]["targets"], modules_to_save=head))
    batch = 2
    ids = torch.randint(0, 100, (batch, case["seq"]))
    with FlopCounterMode(display=False) as counter:
        with torch.no_grad():
            model(input_ids=ids)
    forward = counter.get_total_flops() / batch
    with FlopCounterMode(display=False) as counter:
        logits = model(input_ids=ids).logits
        logits.float().sum().backward()
    training = counter.get_total_flops() / batch
    return {"forward": forward, "training": training}


def main(cases_path, out_path):
    with open(cases_path) as f:
        cases = json.load(f)
    with open(out_path, "w") as f:
        json.dump([count(c) for c in cases], f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
