"""Writes dl-core/src/test/resources/dev/sparkft/hf/python-written.safetensors with the reference
`safetensors` library (torch backend), so the Java reader is checked against files it did not write.
Values are exactly representable in their dtypes; SafeTensorsTest states them by hand."""
import sys

import torch
from safetensors.torch import save_file

tensors = {
    "f32": torch.tensor([[1.5, -2.25, 0.0], [3.4028234663852886e38, 1.401298464324817e-45, -0.0]],
                        dtype=torch.float32),
    "f16": torch.tensor([1.0, -2.0, 65504.0, 2.0 ** -24], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -3.140625, float("inf")], dtype=torch.bfloat16),
    "embeddings.position_ids": torch.arange(4, dtype=torch.int64).reshape(1, 4),
}
save_file(tensors, sys.argv[1], metadata={"format": "pt", "note": "SparkFT fixture"})
