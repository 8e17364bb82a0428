package dev.sparkft.data.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MIME decodings an e-mail body needs to become text: transfer encodings (RFC 2045), encoded
 * words in headers (RFC 2047) and declared charsets. Lenient on purpose: a corpus of 2002 spam has
 * broken encodings, and a best-effort text is more useful to a classifier than a failed job.
 */
final class MimeDecoding {

    private static final Pattern ENCODED_WORD =
            Pattern.compile("=\\?([^?\\s]+)\\?([bBqQ])\\?([^?\\s]*)\\?=");
    /** Whitespace between two adjacent encoded words is not part of the text (RFC 2047 section 6.2). */
    private static final Pattern BETWEEN_ENCODED_WORDS = Pattern.compile("(\\?=)\\s+(=\\?)");

    private MimeDecoding() {
    }

    /** Undoes a Content-Transfer-Encoding; unknown ones (7bit, 8bit, binary, x-uue...) pass through. */
    static byte[] decodeTransfer(byte[] body, String transferEncoding) {
        String enc = transferEncoding == null ? "" : transferEncoding.trim().toLowerCase(Locale.ROOT);
        if (enc.equals("base64")) {
            return decodeBase64(body);
        }
        if (enc.equals("quoted-printable")) {
            return decodeQuotedPrintable(body, false);
        }
        return body;
    }

    /**
     * Text in an unknown charset is read as windows-1252: mailers of the time labelled it ISO-8859-1 or
     * sent it unlabelled (browsers make the same substitution); its five unassigned bytes become U+FFFD.
     */
    static final Charset FALLBACK = Charset.forName("windows-1252");

    /** The charset a header names, if Java knows it; ISO-8859-1 and US-ASCII widen to windows-1252. */
    static Optional<Charset> charset(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        try {
            Charset charset = Charset.forName(name.strip());
            boolean latin = charset.equals(StandardCharsets.ISO_8859_1) || charset.equals(StandardCharsets.US_ASCII);
            return Optional.of(latin ? FALLBACK : charset);
        } catch (IllegalArgumentException unsupportedOrIllegal) {
            return Optional.empty();
        }
    }

    /** Replaces RFC 2047 encoded words ({@code =?charset?B|Q?...?=}) in a header value by their text. */
    static String decodeHeader(String value) {
        if (!value.contains("=?")) {
            return value;
        }
        String joined = BETWEEN_ENCODED_WORDS.matcher(value).replaceAll("$1$2");
        Matcher m = ENCODED_WORD.matcher(joined);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            byte[] raw = m.group(3).getBytes(StandardCharsets.ISO_8859_1);
            byte[] bytes = m.group(2).equalsIgnoreCase("b") ? decodeBase64(raw) : decodeQuotedPrintable(raw, true);
            m.appendReplacement(out, Matcher.quoteReplacement(new String(bytes, charset(m.group(1)).orElse(FALLBACK))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Base64 that skips characters outside the alphabet and stops at the first padding, as mail readers do. */
    private static byte[] decodeBase64(byte[] body) {
        ByteArrayOutputStream clean = new ByteArrayOutputStream(body.length);
        for (byte b : body) {
            if (b == '=') {
                break;
            }
            if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' || b == '/') {
                clean.write(b);
            }
        }
        byte[] chars = clean.toByteArray();
        // A dangling single character cannot encode a byte; drop it instead of failing the message.
        int usable = chars.length % 4 == 1 ? chars.length - 1 : chars.length;
        byte[] padded = Arrays.copyOf(chars, usable + (4 - usable % 4) % 4);
        Arrays.fill(padded, usable, padded.length, (byte) '=');
        return Base64.getDecoder().decode(padded);
    }

    /**
     * Quoted-printable: {@code =XX} is a byte, {@code =} at a line end is a soft break; malformed escapes
     * are kept literally. In encoded words ({@code header}) an underscore stands for a space.
     */
    private static byte[] decodeQuotedPrintable(byte[] body, boolean header) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        for (int i = 0; i < body.length; i++) {
            byte b = body[i];
            if (b == '=') {
                int j = i + 1;
                while (j < body.length && (body[j] == ' ' || body[j] == '\t')) {
                    j++;
                }
                if (j < body.length && (body[j] == '\n' || body[j] == '\r')) {
                    i = (body[j] == '\r' && j + 1 < body.length && body[j + 1] == '\n') ? j + 1 : j;
                    continue;
                }
                if (i + 2 < body.length) {
                    int hi = Character.digit(body[i + 1], 16);
                    int lo = Character.digit(body[i + 2], 16);
                    if (hi >= 0 && lo >= 0) {
                        out.write(hi * 16 + lo);
                        i += 2;
                        continue;
                    }
                }
                out.write(b);
            } else if (header && b == '_') {
                out.write(' ');
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }
}
