package dev.sparkft.spark.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.data.dataset.AtomicOutput;
import dev.sparkft.eval.ConfusionMatrix;
import java.awt.AWTError;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.StackedXYAreaRenderer2;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's plots as PNG files in {@code <outputDir>/plots}, drawn on the driver from metrics.jsonl (so a resumed
 * run's plots cover all its steps) with JFreeChart: training and validation loss, learning rate, throughput, the
 * round's time split (compute / driver update / Spark overhead), and the last evaluation's confusion matrix as a
 * heatmap with class names. Each file is written to a temporary name and renamed.
 */
final class RunPlots implements TrainingListener {
    static final String DIR = "plots";
    static final List<String> TRAINING_PLOTS = List.of("loss.png", "learning-rate.png", "throughput.png",
            "round-split.png", "confusion-matrix.png");
    private static final Logger LOG = LoggerFactory.getLogger(RunPlots.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WIDTH = 800;
    private static final int HEIGHT = 450;
    /** Series colours, in order (a colour-blind-safe palette: blue, orange, grey, green). */
    private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x7f7f7f),
            new Color(0x2ca02c)};

    private final Path metricsFile;
    private final Path dir;
    private ValidationResult last;

    RunPlots(Path metricsFile, Path outputDir) {
        this.metricsFile = metricsFile;
        this.dir = outputDir.resolve(DIR);
    }

    @Override
    public void onRound(RoundReport round, TrainingState state) {
    }

    @Override
    public void onEvaluation(ValidationResult result, TrainingState state) {
        last = result;
    }

    @Override
    public void onEnd(TrainingState state) {
        drawing("the run's plots in " + dir, this::draw);
    }

    /**
     * Runs {@code work}, which draws: a machine without fonts or AWT's native libraries (a minimal container) loses
     * its plots with a warning, never the run or the evaluation that produced them.
     */
    static void drawing(String what, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException | LinkageError | AWTError | InternalError e) {
            LOG.warn("could not draw {} ({}); the run's other outputs are complete. Java draws with the system's"
                    + " fonts: install fontconfig and a font (Debian: fonts-dejavu-core)", what, e.toString());
        }
    }

    private void draw() {
        List<JsonNode> rounds = new ArrayList<>();
        List<JsonNode> evaluations = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(metricsFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    JsonNode n = JSON.readTree(line);
                    (n.has("loss") ? rounds : evaluations).add(n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metricsFile + " for the plots", e);
        }
        XYSeries train = series("training loss", rounds, "loss");
        XYSeries validation = series("validation loss", evaluations, "validationLoss");
        write("loss.png", lines("Loss", "loss", train, validation));
        write("learning-rate.png", lines("Learning rate", "learning rate", series("learning rate", rounds, "lr")));
        write("throughput.png", lines("Throughput", "examples per second",
                series("samples/s", rounds, "samplesPerSec")));
        write("round-split.png", roundSplit(rounds));
        if (last != null) {
            writeConfusion(dir.resolve("confusion-matrix.png"), last.report().matrix(),
                    String.format(Locale.ROOT, "Confusion matrix at step %d (accuracy %.4f)", last.step(),
                            last.report().accuracy()));
        }
    }

    /**
     * The confusion matrix as a heatmap: rows actual, columns predicted, class names on both axes, the count in
     * each cell, shaded by the count's share of its row (so the diagonal's darkness is each class's recall).
     */
    static void writeConfusion(Path file, ConfusionMatrix matrix, String title) {
        List<String> labels = matrix.labels();
        int k = labels.size();
        double[][] xyz = new double[3][k * k];
        XYPlot plot = new XYPlot();
        for (int a = 0; a < k; a++) {
            long row = 0;
            for (int b = 0; b < k; b++) {
                row += matrix.count(a, b);
            }
            for (int b = 0; b < k; b++) {
                long count = matrix.count(a, b);
                double share = row == 0 ? 0 : (double) count / row;
                xyz[0][a * k + b] = b;
                xyz[1][a * k + b] = a;
                xyz[2][a * k + b] = share;
                XYTextAnnotation text = new XYTextAnnotation(Long.toString(count), b, a);
                text.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, k > 12 ? 10 : 14));
                text.setPaint(share > 0.6 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(text);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("share of the actual class", xyz);
        SymbolAxis predicted = new SymbolAxis("predicted", labels.toArray(String[]::new));
        predicted.setVerticalTickLabels(k > 4);
        SymbolAxis actual = new SymbolAxis("actual", labels.toArray(String[]::new));
        actual.setInverted(true); // the first class on top, as the report prints it
        LookupPaintScale scale = new LookupPaintScale(0, 1.000001, Color.WHITE);
        for (int i = 0; i <= 20; i++) {
            double share = i / 20.0;
            scale.add(share, new Color(255 - (int) (share * 225), 255 - (int) (share * 170), 255 - (int) (share * 70)));
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        plot.setDataset(data);
        plot.setDomainAxis(predicted);
        plot.setRangeAxis(actual);
        plot.setRenderer(renderer);
        JFreeChart chart = chart(title, plot, false);
        int side = Math.max(420, 160 + 48 * k);
        AtomicOutput.writeFile(file, out -> ChartUtils.writeChartAsPNG(out, chart, side + 60, side));
    }

    private static XYSeries series(String name, List<JsonNode> lines, String field) {
        XYSeries s = new XYSeries(name, true, false);
        for (JsonNode n : lines) {
            JsonNode v = n.get(field);
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                s.addOrUpdate(n.get("step").asDouble(), v.asDouble());
            }
        }
        return s;
    }

    private static JFreeChart lines(String title, String yLabel, XYSeries... all) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (XYSeries s : all) {
            data.addSeries(s);
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < all.length; i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
            // Few points (evaluations): show them as markers too.
            renderer.setSeriesShapesVisible(i, all[i].getItemCount() <= 20);
        }
        XYPlot plot = new XYPlot(data, steps(), y, renderer);
        return chart(title, plot, all.length > 1);
    }

    /** Milliseconds per step of each round, stacked: the slowest worker's compute, the driver's update, the rest. */
    private static JFreeChart roundSplit(List<JsonNode> rounds) {
        DefaultTableXYDataset data = new DefaultTableXYDataset();
        String[][] parts = {{"compute (slowest worker)", "computeMs"}, {"driver update", "updateMs"},
                {"Spark overhead", "overheadMs"}};
        for (String[] part : parts) {
            XYSeries s = new XYSeries(part[0], true, false);
            for (JsonNode n : rounds) {
                s.addOrUpdate(n.get("step").asDouble(), n.get(part[1]).asDouble() / n.get("steps").asDouble());
            }
            data.addSeries(s);
        }
        StackedXYAreaRenderer2 renderer = new StackedXYAreaRenderer2();
        for (int i = 0; i < parts.length; i++) {
            renderer.setSeriesPaint(i, COLOURS[i]);
        }
        XYPlot plot = new XYPlot(data, steps(), new NumberAxis("ms per step"), renderer);
        return chart("Round time per step", plot, true);
    }

    private static NumberAxis steps() {
        NumberAxis axis = new NumberAxis("step");
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return axis;
    }

    private static JFreeChart chart(String title, XYPlot plot, boolean legend) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private void write(String name, JFreeChart chart) {
        AtomicOutput.writeFile(dir.resolve(name), out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    }
}
