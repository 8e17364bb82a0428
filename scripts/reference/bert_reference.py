#!/usr/bin/env python3
"""Independent reference for the DJL BERT engine (dev.sparkft.engine.djl).

Reads a case folder written by BertPyTorchReferenceTest (index.json + weights.bin, little-endian float32 in
the flat layout's order), builds transformers' BertForSequenceClassification / BertForTokenClassification
with the same config and weights (eager attention, eval mode: no dropout), and compares logits, the summed
cross-entropy and its gradient (gradient.bin) with the values the Java engine computed. Prints one JSON line; exits 1 if a difference
exceeds the tolerance. A reference only: nothing in the build depends on Python.

With "precision": "bf16" in index.json the reference is PyTorch's bf16 autocast on the CPU (the loss on the logits
widened to fp32, as transformers' loss does), and the line also gives autocast's own distance from fp32, which
puts the Java bf16 numbers in scale.

usage: bert_reference.py CASE_DIR [TOLERANCE]
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification, BertForTokenClassification


def main():
    case = Path(sys.argv[1])
    tol = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-5
    index = json.loads((case / "index.json").read_text())
    flat = np.fromfile(case / "weights.bin", dtype="<f4")
    c = index["config"]
    config = BertConfig(
        vocab_size=c["vocab_size"], hidden_size=c["hidden_size"], num_hidden_layers=c["num_hidden_layers"],
        num_attention_heads=c["num_attention_heads"], intermediate_size=c["intermediate_size"],
        max_position_embeddings=c["max_position_embeddings"], type_vocab_size=c["type_vocab_size"],
        layer_norm_eps=c["layer_norm_eps"], hidden_act="gelu", num_labels=index["num_labels"],
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, attn_implementation="eager")
    token_task = index["task"] == "token-classification"
    model = (BertForTokenClassification if token_task else BertForSequenceClassification)(config).eval()

    state = {}
    for seg in index["layout"]:
        n = int(np.prod(seg["shape"]))
        state[seg["name"]] = torch.from_numpy(flat[seg["offset"]:seg["offset"] + n].reshape(seg["shape"]).copy())
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids"))]
    if missing or unexpected:
        raise SystemExit(f"state dict mismatch: missing {missing}, unexpected {unexpected}")

    n, seq = index["batch_shape"]

    def ints(key):
        return torch.tensor(index[key], dtype=torch.long).reshape(n, seq)

    labels = torch.tensor(index["labels" if token_task else "label"], dtype=torch.long)
    params = dict(model.named_parameters())

    def run(bf16):
        """Logits (float64), summed loss and the flat gradient (layout order) of one forward/backward."""
        model.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(input_ids=ints("input_ids"), attention_mask=ints("attention_mask"),
                        token_type_ids=ints("token_type_ids"))
        loss = torch.nn.functional.cross_entropy(out.logits.float().reshape(-1, index["num_labels"]), labels,
                                                 ignore_index=-100, reduction="sum")
        loss.backward()
        grad = {seg["name"]: params[seg["name"]].grad.double().numpy().reshape(-1) for seg in index["layout"]}
        return out.logits.detach().double(), loss.item(), grad

    bf16 = index.get("precision", "fp32") == "bf16"
    logits, loss_sum, grads = run(bf16)
    autocast_vs_fp32 = None
    if bf16:
        logits32, _, grads32 = run(False)
        num = sum(np.sum((grads[k] - grads32[k]) ** 2) for k in grads)
        den = sum(np.sum(grads32[k] ** 2) for k in grads)
        autocast_vs_fp32 = {"gradient_rel_diff": float(np.sqrt(num / den)),
                            "logits_max_abs_diff": (logits - logits32).abs().max().item()}

    # Gradient of the summed loss, normwise relative difference over the whole flat vector and worst tensor.
    java_grad = np.fromfile(case / "gradient.bin", dtype="<f4").astype(np.float64)
    torch_grad = np.zeros_like(java_grad)
    worst_tensor, worst_rel = "", -1.0
    for seg in index["layout"]:
        n = int(np.prod(seg["shape"]))
        g = grads[seg["name"]]
        torch_grad[seg["offset"]:seg["offset"] + n] = g
        jg = java_grad[seg["offset"]:seg["offset"] + n]
        rel = np.linalg.norm(g - jg) / max(np.linalg.norm(g), 1e-6)
        # Attention key biases have an exactly zero true gradient (softmax is shift-invariant): only noise.
        if rel > worst_rel and not seg["name"].endswith("attention.self.key.bias"):
            worst_tensor, worst_rel = seg["name"], rel
    grad_rel = np.linalg.norm(torch_grad - java_grad) / np.linalg.norm(torch_grad)
    java_logits = torch.tensor(index["java_logits"], dtype=torch.float64).reshape(logits.shape)
    logit_diff = (logits - java_logits).abs().max().item()
    loss_diff = abs(loss_sum - index["java_loss_sum"]) / max(abs(loss_sum), 1.0)
    grad_rel, worst_rel = float(grad_rel), float(worst_rel)
    ok = bool(logit_diff <= tol and loss_diff <= tol and grad_rel <= tol)
    print(json.dumps({"case": case.name, "task": index["task"], "precision": "bf16" if bf16 else "fp32",
                      "torch": torch.__version__, "autocast_vs_fp32": autocast_vs_fp32,
                      "logits_max_abs_diff": logit_diff, "max_abs_logit": logits.abs().max().item(),
                      "loss_sum_torch": loss_sum, "loss_sum_java": index["java_loss_sum"],
                      "loss_rel_diff": loss_diff, "gradient_rel_diff": grad_rel,
                      "worst_tensor": worst_tensor, "worst_tensor_rel_diff": worst_rel,
                      "tolerance": tol, "ok": ok}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
