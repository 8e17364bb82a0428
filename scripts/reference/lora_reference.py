#!/usr/bin/env python3
"""Independent reference for the DJL BERT engine's LoRA adapters: Hugging Face PEFT on transformers.

Two modes, on a case folder written by LoraPeftReferenceTest:

  lora_reference.py step CASE_DIR [TOLERANCE]
      index.json + frozen.bin (the base weights, frozen layout) + weights.bin (adapters and head, flat layout) +
      gradient.bin, little-endian float32. Builds transformers' BertFor{Sequence,Token}Classification from the
      base weights, wraps it with peft.get_peft_model(LoraConfig(r, lora_alpha, target_modules, dropout 0)),
      loads the adapters and the head into it, and compares logits, the summed cross-entropy and its gradient
      with respect to the adapters and the head.

  lora_reference.py export CASE_DIR [TOLERANCE]
      index.json names an exported folder (the adapters merged, with the PEFT folder in adapter/) and the base
      model folder; compares our logits with PeftModel.from_pretrained(base, export/adapter), with
      AutoPeftModelFor...from_pretrained(export/adapter) (which finds the base through base_model_name_or_path)
      and with the merged folder loaded by transformers alone.

Prints one JSON line; exits 1 if a difference exceeds the tolerance. A reference only: nothing in the build
depends on Python.
"""
import json
import sys
from pathlib import Path

import numpy as np
import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import (AutoModelForSequenceClassification, AutoModelForTokenClassification, BertConfig,
                          BertForSequenceClassification, BertForTokenClassification)


transformers.utils.logging.disable_progress_bar()


def tensors(flat, layout):
    out = {}
    for seg in layout:
        n = int(np.prod(seg["shape"]))
        out[seg["name"]] = torch.from_numpy(flat[seg["offset"]:seg["offset"] + n].reshape(seg["shape"]).copy())
    return out


def peft_name(name):
    """Our flat-vector name -> the PeftModel's parameter name (adapter 'default')."""
    if name.startswith("classifier."):
        return "base_model.model.classifier.modules_to_save.default." + name.split(".")[-1]
    return "base_model.model." + name.replace(".lora_A.", ".lora_A.default.").replace(".lora_B.", ".lora_B.default.")


def inputs(index):
    n, seq = index["batch_shape"]
    return {k: torch.tensor(index[k], dtype=torch.long).reshape(n, seq)
            for k in ("input_ids", "attention_mask", "token_type_ids")}


def step(case, tol):
    index = json.loads((case / "index.json").read_text())
    c = index["config"]
    config = BertConfig(**c, hidden_act="gelu", num_labels=index["num_labels"], hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0, attn_implementation="eager")
    token_task = index["task"] == "token-classification"
    model = (BertForTokenClassification if token_task else BertForSequenceClassification)(config).eval()
    base = tensors(np.fromfile(case / "frozen.bin", dtype="<f4"), index["frozen_layout"])
    missing, unexpected = model.load_state_dict(base, strict=False)
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids")) and not k.startswith("classifier.")]
    if missing or unexpected:
        raise SystemExit(f"base state dict mismatch: missing {missing}, unexpected {unexpected}")
    lora = index["lora"]
    pm = get_peft_model(model, LoraConfig(task_type="TOKEN_CLS" if token_task else "SEQ_CLS", r=lora["r"],
                                          lora_alpha=lora["alpha"], lora_dropout=0.0,
                                          target_modules=lora["target_modules"]))
    pm.eval()
    params = dict(pm.named_parameters())
    trained = tensors(np.fromfile(case / "weights.bin", dtype="<f4"), index["layout"])
    with torch.no_grad():
        for name, value in trained.items():
            params[peft_name(name)].copy_(value)
    trainable = sorted(n for n, p in pm.named_parameters() if p.requires_grad)
    if trainable != sorted(peft_name(n) for n in trained):
        raise SystemExit(f"PEFT trains {trainable}, we train {sorted(peft_name(n) for n in trained)}")

    out = pm(**inputs(index))
    labels = torch.tensor(index["labels" if token_task else "label"], dtype=torch.long)
    loss = torch.nn.functional.cross_entropy(out.logits.reshape(-1, index["num_labels"]), labels,
                                             ignore_index=-100, reduction="sum")
    loss.backward()
    java_grad = np.fromfile(case / "gradient.bin", dtype="<f4").astype(np.float64)
    torch_grad = np.zeros_like(java_grad)
    worst_tensor, worst_rel = "", -1.0
    for seg in index["layout"]:
        n = int(np.prod(seg["shape"]))
        g = params[peft_name(seg["name"])].grad.double().numpy().reshape(-1)
        torch_grad[seg["offset"]:seg["offset"] + n] = g
        jg = java_grad[seg["offset"]:seg["offset"] + n]
        rel = float(np.linalg.norm(g - jg) / max(np.linalg.norm(g), 1e-6))
        if rel > worst_rel:
            worst_tensor, worst_rel = seg["name"], rel
    grad_rel = float(np.linalg.norm(torch_grad - java_grad) / np.linalg.norm(torch_grad))
    logits = out.logits.detach().double()
    java_logits = torch.tensor(index["java_logits"], dtype=torch.float64).reshape(logits.shape)
    logit_diff = (logits - java_logits).abs().max().item()
    loss_diff = abs(loss.item() - index["java_loss_sum"]) / max(abs(loss.item()), 1.0)
    ok = bool(logit_diff <= tol and loss_diff <= tol and grad_rel <= tol)
    print(json.dumps({"mode": "step", "task": index["task"], "peft": peft.__version__, "torch": torch.__version__,
                      "trainable_tensors": len(trainable), "logits_max_abs_diff": logit_diff,
                      "max_abs_logit": logits.abs().max().item(), "loss_rel_diff": loss_diff,
                      "gradient_rel_diff": grad_rel, "gradient_norm": float(np.linalg.norm(torch_grad)),
                      "worst_tensor": worst_tensor, "worst_tensor_rel_diff": worst_rel,
                      "tolerance": tol, "ok": ok}))
    return ok


def export(case, tol):
    index = json.loads((case / "index.json").read_text())
    folder, base_dir = Path(index["export"]), index["base"]
    token_task = index["task"] == "token-classification"
    auto = AutoModelForTokenClassification if token_task else AutoModelForSequenceClassification
    x = inputs(index)
    java = torch.tensor(index["java_logits"], dtype=torch.float64)
    adapter_config = json.loads((folder / "adapter" / "adapter_config.json").read_text())
    diffs = {}
    with torch.no_grad():
        base = auto.from_pretrained(base_dir, attn_implementation="eager").eval()
        diffs["peft_from_pretrained"] = PeftModel.from_pretrained(base, folder / "adapter").eval()(**x).logits
        auto_peft = getattr(peft, "AutoPeftModelForTokenClassification" if token_task
                            else "AutoPeftModelForSequenceClassification")
        diffs["auto_peft_via_base_reference"] = auto_peft.from_pretrained(folder / "adapter").eval()(**x).logits
        diffs["merged_folder"] = auto.from_pretrained(folder, attn_implementation="eager").eval()(**x).logits
    result = {k: (v.double().reshape(java.shape) - java).abs().max().item() for k, v in diffs.items()}
    ok = all(d <= tol for d in result.values()) and adapter_config["base_model_name_or_path"] == base_dir
    print(json.dumps({"mode": "export", "task": index["task"], "peft": peft.__version__,
                      "transformers": transformers.__version__, "logits_max_abs_diff": result,
                      "max_abs_logit": java.abs().max().item(),
                      "base_model_name_or_path": adapter_config["base_model_name_or_path"], "tolerance": tol,
                      "ok": bool(ok)}))
    return ok


def main():
    mode, case = sys.argv[1], Path(sys.argv[2])
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
    ok = step(case, tol) if mode == "step" else export(case, tol)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
