"""Reads a TensorBoard log folder with TensorBoard's own loader and prints what it holds, as JSON.

    read_tensorboard.py LOGDIR OUT.json

OUT.json: {"scalars": {tag: [[step, value], ...]}, "text": {tag: [markdown, ...]},
"hparams": {"start": {name: value}, "group": str, "end": status-name or null}}. TensorBoard's EventAccumulator
checks every record's CRC (a bad one ends the file with a data-loss warning, so values go missing) and drops
what a restarted run (a SessionLog START at step s) redid from step s on.
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.util import tensor_util


def main(logdir, out):
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    acc.Reload()
    tags = acc.Tags()
    scalars = {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in tags["scalars"]}
    text = {}
    for tag, content in acc.PluginTagToContent("text").items():
        text[tag] = [tensor_util.make_ndarray(e.tensor_proto).item().decode("utf-8") for e in acc.Tensors(tag)]
    hparams = {"start": None, "group": None, "end": None}
    for tag, content in acc.PluginTagToContent("hparams").items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if data.HasField("session_start_info"):
            info = data.session_start_info
            hparams["group"] = info.group_name
            hparams["start"] = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind"))
                                for k, v in info.hparams.items()}
        if data.HasField("session_end_info"):
            hparams["end"] = api_pb2.Status.Name(data.session_end_info.status)
    with open(out, "w") as f:
        json.dump({"scalars": scalars, "text": text, "hparams": hparams}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
