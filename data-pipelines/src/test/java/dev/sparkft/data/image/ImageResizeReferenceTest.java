package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Our resampling equals PyTorch's antialiased bilinear interpolation ({@code F.interpolate(..., antialias=True)},
 * the PIL-style filter torchvision uses) followed by torchvision's centre crop, on real Fashion-MNIST images:
 * upscaling, downscaling and cover-then-crop. Expected values: scripts/reference/make_resize_expected.py.
 */
class ImageResizeReferenceTest {
    static final Path EXPECTED = Path.of("src/test/resources/image-folder/resize-expected.json");

    @Test
    void resamplingMatchesTorchAntialiasedBilinear() throws IOException {
        JsonNode root = new ObjectMapper().readTree(EXPECTED.toFile());
        int cases = 0;
        double worst = 0;
        for (JsonNode c : root.get("cases")) {
            int channels = c.get("channels").asInt();
            int h = c.get("height").asInt();
            int w = c.get("width").asInt();
            int outH = c.get("outHeight").asInt();
            int outW = c.get("outWidth").asInt();
            float[][] planes = new float[channels][h * w];
            byte[] input = new byte[channels * h * w];
            for (int i = 0; i < input.length; i++) {
                int v = c.get("input").get(i).asInt();
                planes[i / (h * w)][i % (h * w)] = v;
                input[i] = (byte) v;
            }
            DecodedImage image = new DecodedImage(w, h, planes);
            double[] box = ImageResampler.coverCropBox(w, h, outW, outH);
            byte[] pixels = image.toPixels(new ImageShape(channels, outH, outW));
            JsonNode expected = c.get("expected");
            assertEquals(channels * outH * outW, expected.size(), c.get("name").asText());
            for (int ch = 0; ch < channels; ch++) {
                float[] ours = ImageResampler.resample(planes[ch], w, h, box[0], box[1], box[2], box[3], outW, outH);
                for (int i = 0; i < ours.length; i++) {
                    double torch = expected.get(ch * outH * outW + i).asDouble();
                    double diff = Math.abs(ours[i] - torch);
                    worst = Math.max(worst, diff);
                    assertTrue(diff <= 2e-3, c.get("name").asText() + " channel " + ch + " pixel " + i + ": ours "
                            + ours[i] + ", torch " + torch);
                    // the stored uint8 is the rounded value (a tie may round either way after float noise)
                    assertTrue(Math.abs((pixels[ch * outH * outW + i] & 0xff) - torch) <= 0.5 + 2e-3,
                            c.get("name").asText() + " pixel " + i);
                }
            }
            cases++;
        }
        assertEquals(6, cases);
        System.out.printf("resize vs torch %s antialiased bilinear: max abs difference %.2e (of 0-255)%n",
                root.get("torch").asText(), worst);
    }
}
