package dev.sparkft.data.text;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * The native tokenizers of this JVM, one per (tokenizer.json content, maxLength), created on first use and
 * shared by all task threads (the Rust tokenizer encodes concurrently). Closed by a shutdown hook, so an
 * executor frees them when it exits rather than whenever the garbage collector finalises them.
 */
final class ExecutorTokenizers {

    /** {@code maxLength} {@value #WHOLE}: no truncation, no padding, no special tokens (for windows). */
    private record Key(String sha256, int maxLength) {
    }

    static final int WHOLE = 0;

    private static final Map<Key, HuggingFaceTokenizer> OPEN = new ConcurrentHashMap<>();

    static {
        // DJL's tokenizer factories call Ec2Utils.callHome, which probes the EC2 metadata endpoint and sends
        // telemetry unless this is set: executors tokenising data must not reach out to the network.
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorTokenizers::closeAll, "sparkft-tokenizers-close"));
    }

    private ExecutorTokenizers() {
    }

    /** @param sha256 identifies {@code content}, the tokenizer.json's bytes */
    static HuggingFaceTokenizer get(String sha256, byte[] content, int maxLength) {
        return OPEN.computeIfAbsent(new Key(sha256, maxLength), key -> open(key, content));
    }

    /** The tokenizer that returns a text's tokens, all of them, without special tokens or padding. */
    static HuggingFaceTokenizer whole(String sha256, byte[] content) {
        return get(sha256, content, WHOLE);
    }

    private static HuggingFaceTokenizer open(Key key, byte[] content) {
        Map<String, String> options = key.maxLength() == WHOLE
                ? Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "false")
                : fixedLength(key.maxLength());
        try {
            // From the bytes the driver read: no file at the driver's path is needed here. (newInstance(String)
            // would go to the Hugging Face hub.)
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(content), options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the tokenizer (sha256 " + key.sha256() + ") on this executor",
                    e);
        }
    }

    private static Map<String, String> fixedLength(int maxLength) {
        // Truncation and padding set here override whatever tokenizer.json carries; modelMaxLength is
        // raised to maxLength because DJL would silently cap maxLength at its default of 512 otherwise.
        return Map.of(
                "maxLength", Integer.toString(maxLength),
                "modelMaxLength", Integer.toString(maxLength),
                "padding", "MAX_LENGTH",
                "truncation", "LONGEST_FIRST",
                "addSpecialTokens", "true");
    }

    private static void closeAll() {
        OPEN.values().forEach(HuggingFaceTokenizer::close);
        OPEN.clear();
    }
}
