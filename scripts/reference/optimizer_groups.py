#!/usr/bin/env python3
"""Independent reference for the driver-side optimizer's parameter groups (dev.sparkft.optim).

Reads a case (JSON) written by ParameterGroupsPyTorchTest: named parameter tensors with their start values and
flags, the optimizer's settings, parameter groups (name, regular expression, learning rate, frozen steps) and a
fixed sequence of flat gradients. Trains them with torch.optim.AdamW, Adam or SGD (with or without (Nesterov)
momentum) in torch param groups and a LambdaLR warmup + linear decay schedule, the way a PyTorch user would:
  - each tensor joins the first group whose regular expression re.search-es its name (a second match is an error),
    tensors in no group use the base learning rate, tensors without decay get weight_decay 0;
  - a tensor marked not trainable has requires_grad=False throughout; a tensor of a group frozen for N steps has
    requires_grad=False for steps < N (so no gradient, no update and no optimizer state), then True;
  - the gradient comes from backward() of sum(p * g) over the tensors that require grad, then
    clip_grad_norm_ over all parameters (which skips those without a gradient), optimizer.step(), scheduler.step().
Writes the final parameters, the optimizer's state buffers (flat, zeros where a tensor has no state) and the
gradient norms per step as JSON. A reference only: nothing in the build depends on Python.

usage: optimizer_groups.py CASE_JSON OUT_JSON
"""
import json
import re
import sys

import torch


def main():
    case = json.loads(open(sys.argv[1]).read())
    torch.manual_seed(0)
    segments = case["segments"]
    groups = case["groups"]
    params = []
    group_of = []
    for s in segments:
        p = torch.nn.Parameter(torch.tensor(s["values"], dtype=torch.float32).reshape(s["shape"]))
        params.append(p)
        hits = [i for i, g in enumerate(groups) if re.search(g["parameters"], s["name"])]
        if len(hits) > 1:
            sys.exit("tensor %s is in two groups" % s["name"])
        group_of.append(hits[0] if hits else -1)

    base_lr = case["learningRate"]
    torch_groups = []
    for gi in [-1] + list(range(len(groups))):
        lr = base_lr if gi < 0 else groups[gi]["learningRate"]
        for decay in (True, False):
            members = [p for p, s, g in zip(params, segments, group_of) if g == gi and s["decay"] == decay]
            if members:
                torch_groups.append({"params": members, "lr": lr,
                                     "weight_decay": case["weightDecay"] if decay else 0.0})
    kind = case["type"]
    if kind == "adamw":
        opt = torch.optim.AdamW(torch_groups, lr=base_lr, betas=(case["beta1"], case["beta2"]), eps=case["epsilon"])
    elif kind == "adam":  # our adam has no weight decay
        for g in torch_groups:
            g["weight_decay"] = 0.0
        opt = torch.optim.Adam(torch_groups, lr=base_lr, betas=(case["beta1"], case["beta2"]), eps=case["epsilon"])
    elif kind in ("sgd", "momentum", "nesterov"):
        opt = torch.optim.SGD(torch_groups, lr=base_lr, momentum=0.0 if kind == "sgd" else case["momentum"],
                              nesterov=kind == "nesterov")
    else:
        sys.exit("unknown type " + case["type"])
    warmup, total = case["warmupSteps"], case["totalSteps"]

    def shape(step):  # transformers' get_linear_schedule_with_warmup
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, shape)

    norms = []
    for step, flat in enumerate(case["gradients"]):
        g = torch.tensor(flat, dtype=torch.float32)
        offset = 0
        loss = torch.zeros(())
        for p, s, gi in zip(params, segments, group_of):
            n = p.numel()
            frozen_steps = groups[gi]["frozenSteps"] if gi >= 0 else 0
            p.requires_grad_(s["trainable"] and step >= frozen_steps)
            if p.requires_grad:
                loss = loss + (p * g[offset:offset + n].reshape(p.shape)).sum()
            offset += n
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if case["maxGradNorm"] > 0:
            norms.append(float(torch.nn.utils.clip_grad_norm_(params, case["maxGradNorm"])))
        opt.step()
        sched.step()

    out = {"params": torch.cat([p.detach().reshape(-1) for p in params]).tolist(), "norms": norms, "buffers": {}}
    names = {"adam": ["exp_avg", "exp_avg_sq"], "adamw": ["exp_avg", "exp_avg_sq"], "sgd": [],
             "momentum": ["momentum_buffer"], "nesterov": ["momentum_buffer"]}[kind]
    for name in names:
        flat = []
        for p in params:
            st = opt.state.get(p, {})
            flat.append(st[name].reshape(-1) if name in st and st[name] is not None else torch.zeros(p.numel()))
        out["buffers"][name] = torch.cat(flat).tolist()
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
