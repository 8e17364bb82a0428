package dev.sparkft.spark.tensorboard;

import com.google.protobuf.ByteString;
import com.google.protobuf.NullValue;
import com.google.protobuf.Value;
import dev.sparkft.spark.tensorboard.proto.Event;
import dev.sparkft.spark.tensorboard.proto.HParamsPluginData;
import dev.sparkft.spark.tensorboard.proto.SessionEndInfo;
import dev.sparkft.spark.tensorboard.proto.SessionLog;
import dev.sparkft.spark.tensorboard.proto.SessionStartInfo;
import dev.sparkft.spark.tensorboard.proto.Summary;
import dev.sparkft.spark.tensorboard.proto.SummaryMetadata;
import dev.sparkft.spark.tensorboard.proto.TensorProto;
import dev.sparkft.spark.tensorboard.proto.TensorShapeProto;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The events SparkFT writes, built as TensorBoard's plugins expect them: scalars as {@code simple_value}, text as a
 * string tensor under the text plugin (rendered as Markdown), hyperparameters as the hparams plugin's session start
 * and end.
 */
public final class Summaries {
    /** The hparams plugin reads its session start and end from these tags. */
    static final String HPARAMS_START_TAG = "_hparams_/session_start_info";
    static final String HPARAMS_END_TAG = "_hparams_/session_end_info";

    private Summaries() {
    }

    /** One event with a scalar per entry of {@code scalars} (tag to value), at {@code step}. */
    public static Event scalars(long step, double wallTime, Map<String, Double> scalars) {
        Summary.Builder summary = Summary.newBuilder();
        scalars.forEach((tag, value) -> summary.addValue(Summary.Value.newBuilder().setTag(tag)
                .setSimpleValue(value.floatValue())));
        return Event.newBuilder().setWallTime(wallTime).setStep(step).setSummary(summary).build();
    }

    /** Markdown text under {@code tag}, shown by TensorBoard's text dashboard. */
    public static Event text(long step, double wallTime, String tag, String markdown) {
        TensorProto tensor = TensorProto.newBuilder().setDtype(TensorProto.DataType.DT_STRING)
                .setTensorShape(TensorShapeProto.newBuilder())
                .addStringVal(ByteString.copyFrom(markdown, StandardCharsets.UTF_8)).build();
        SummaryMetadata metadata = SummaryMetadata.newBuilder()
                .setPluginData(SummaryMetadata.PluginData.newBuilder().setPluginName("text")).build();
        return Event.newBuilder().setWallTime(wallTime).setStep(step).setSummary(Summary.newBuilder()
                .addValue(Summary.Value.newBuilder().setTag(tag).setMetadata(metadata).setTensor(tensor))).build();
    }

    /**
     * A run restarted at {@code step} (a resume): TensorBoard drops what earlier files hold from that step on, as
     * the metrics file does, so every step is shown once.
     */
    public static Event start(long step, double wallTime) {
        return Event.newBuilder().setWallTime(wallTime).setStep(step)
                .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START)).build();
    }

    /** The run's hyperparameters (numbers, booleans, strings; anything else as its string), for the HPARAMS tab. */
    public static Event hparamsStart(double wallTime, String group, Map<String, Object> hparams) {
        SessionStartInfo.Builder start = SessionStartInfo.newBuilder().setGroupName(group).setStartTimeSecs(wallTime);
        hparams.forEach((name, value) -> start.putHparams(name, value(value)));
        return hparams(wallTime, HPARAMS_START_TAG, HParamsPluginData.newBuilder().setSessionStartInfo(start).build());
    }

    /** The run ended, successfully or not. */
    public static Event hparamsEnd(double wallTime, boolean success) {
        SessionEndInfo end = SessionEndInfo.newBuilder().setEndTimeSecs(wallTime)
                .setStatus(success ? SessionEndInfo.Status.STATUS_SUCCESS : SessionEndInfo.Status.STATUS_FAILURE).build();
        return hparams(wallTime, HPARAMS_END_TAG, HParamsPluginData.newBuilder().setSessionEndInfo(end).build());
    }

    private static Event hparams(double wallTime, String tag, HParamsPluginData data) {
        SummaryMetadata metadata = SummaryMetadata.newBuilder().setPluginData(SummaryMetadata.PluginData.newBuilder()
                .setPluginName("hparams").setContent(data.toByteString())).build();
        // The plugin reads only the metadata; the value is an empty float tensor (shape [0]), as TensorBoard's own
        // writer makes it.
        TensorProto empty = TensorProto.newBuilder().setDtype(TensorProto.DataType.DT_FLOAT)
                .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(0)))
                .build();
        return Event.newBuilder().setWallTime(wallTime).setSummary(Summary.newBuilder()
                .addValue(Summary.Value.newBuilder().setTag(tag).setMetadata(metadata).setTensor(empty))).build();
    }

    private static Value value(Object v) {
        if (v == null) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        } else if (v instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        } else if (v instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        return Value.newBuilder().setStringValue(v.toString()).build();
    }
}
