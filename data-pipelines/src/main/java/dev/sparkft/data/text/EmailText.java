package dev.sparkft.data.text;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The text of one raw RFC 822 message that a classifier should see: the decoded Subject and the
 * readable body. Every other header is dropped (routing headers name the corpus' own mail servers and
 * would let a model learn the collection, not spam). The body is the MIME tree's text: all text parts
 * of a multipart/mixed, the longest alternative of a multipart/alternative (spam often carries an empty
 * plain part next to the real HTML one), transfer encodings and charsets decoded, HTML reduced to its
 * words, attachments of other types skipped. Runs on executors; pure and thread-safe.
 */
public record EmailText(String subject, String body) {

    private static final int MAX_MIME_DEPTH = 8;
    private static final Pattern HEADER_LINE = Pattern.compile("^([!-9;-~]+):[ \\t]?(.*)$");
    private static final Pattern PARAM_BOUNDARY = Pattern.compile("(?i)[;\\s]boundary\\s*=\\s*(\"([^\"]*)\"|[^;\\s]+)");
    private static final Pattern PARAM_CHARSET = Pattern.compile("(?i)[;\\s]charset\\s*=\\s*(\"([^\"]*)\"|[^;\\s]+)");
    private static final Pattern META_CHARSET = Pattern.compile("(?i)<meta[^>]*charset\\s*=\\s*[\"']?([\\w.:-]+)");
    private static final Pattern HORIZONTAL_SPACE = Pattern.compile("[ \\t\\x0B\\f\\u00a0\\u2000-\\u200b\\u3000]+");
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0E-\\x1F\\x7F-\\x9F\\uFFFD]");
    private static final Pattern MANY_NEWLINES = Pattern.compile("\\n{3,}");
    /** Banner lines of ***** or ===== cost tokens and carry nothing beyond their first few characters. */
    private static final Pattern PUNCTUATION_RUN = Pattern.compile("([^\\w\\s])\\1{3,}");

    public EmailText {
        if (subject == null || body == null) {
            throw new IllegalArgumentException("subject and body must not be null");
        }
    }

    /** Parses raw message bytes (any line endings; an mbox "From " first line is skipped). */
    public static EmailText parse(byte[] raw) {
        // ISO-8859-1 maps bytes 1:1 to chars, so MIME structure can be read before charsets are known.
        String message = new String(raw, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n');
        if (message.startsWith("From ")) {
            int eol = message.indexOf('\n');
            message = eol < 0 ? "" : message.substring(eol + 1);
        }
        Entity top = Entity.parse(message);
        String subject = normalize(MimeDecoding.decodeHeader(top.header("subject")).replace('\n', ' '));
        return new EmailText(subject, normalize(text(top, 0)));
    }

    /** Subject, a blank line and the body, cut to at most {@code maxChars} characters. */
    public String classificationText(int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
        }
        String text = subject.isEmpty() ? body : body.isEmpty() ? subject : subject + "\n\n" + body;
        if (text.length() <= maxChars) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return text.substring(0, end).strip();
    }

    private static String text(Entity entity, int depth) {
        String type = entity.mimeType();
        if (type.startsWith("multipart/") && depth < MAX_MIME_DEPTH) {
            String boundary = entity.param(PARAM_BOUNDARY);
            if (!boundary.isEmpty()) {
                List<String> texts = new ArrayList<>();
                for (String part : splitParts(entity.body(), boundary)) {
                    String t = text(Entity.parse(part), depth + 1).strip();
                    if (!t.isEmpty()) {
                        texts.add(t);
                    }
                }
                if (type.equals("multipart/alternative")) {
                    return texts.stream().reduce("", (a, b) -> b.length() > a.length() ? b : a);
                }
                return String.join("\n\n", texts);
            }
        }
        if (type.equals("message/rfc822") && depth < MAX_MIME_DEPTH) {
            return text(Entity.parse(entity.body()), depth + 1);
        }
        if (!type.startsWith("text/") && !type.startsWith("multipart/")) {
            return "";
        }
        byte[] bytes = MimeDecoding.decodeTransfer(
                entity.body().getBytes(StandardCharsets.ISO_8859_1), entity.header("content-transfer-encoding"));
        // An unknown or missing charset: try the one an HTML <meta> names, else the fallback.
        String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
        Charset charset = MimeDecoding.charset(entity.param(PARAM_CHARSET))
                .or(() -> metaCharset(latin1))
                .orElse(MimeDecoding.FALLBACK);
        String text = new String(bytes, charset);
        return type.equals("text/html") || HtmlText.looksLikeHtml(text) ? HtmlText.toText(text) : text;
    }

    private static Optional<Charset> metaCharset(String latin1) {
        Matcher m = META_CHARSET.matcher(latin1.substring(0, Math.min(latin1.length(), 4000)));
        return m.find() ? MimeDecoding.charset(m.group(1)) : Optional.empty();
    }

    /** The parts between {@code --boundary} lines; the preamble and epilogue are not parts. */
    private static List<String> splitParts(String body, String boundary) {
        String delimiter = "--" + boundary;
        List<String> parts = new ArrayList<>();
        StringBuilder current = null;
        for (String line : body.split("\n", -1)) {
            String trimmed = line.stripTrailing();
            boolean last = trimmed.equals(delimiter + "--");
            if (last || trimmed.equals(delimiter)) {
                if (current != null) {
                    parts.add(current.toString());
                }
                if (last) {
                    return parts;
                }
                current = new StringBuilder();
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        if (current != null) {
            parts.add(current.toString());
        }
        return parts;
    }

    private static String normalize(String text) {
        String s = CONTROL.matcher(text).replaceAll("");
        s = HORIZONTAL_SPACE.matcher(s).replaceAll(" ");
        s = PUNCTUATION_RUN.matcher(s).replaceAll("$1$1$1");
        s = s.lines().map(String::strip).collect(Collectors.joining("\n"));
        return MANY_NEWLINES.matcher(s).replaceAll("\n\n").strip();
    }

    /** Headers (lower-case names, first occurrence wins, folded lines joined) and the raw body. */
    private record Entity(Map<String, String> headers, String body) {

        static Entity parse(String text) {
            int split = text.startsWith("\n") ? 0 : text.indexOf("\n\n");
            String head = split < 0 ? text : text.substring(0, split);
            String body = split < 0 ? "" : text.substring(split + (split == 0 ? 1 : 2));
            Map<String, String> headers = new HashMap<>();
            String name = null;
            for (String line : head.split("\n")) {
                if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                    if (name != null && headers.containsKey(name)) {
                        headers.merge(name, " " + line.strip(), String::concat);
                    }
                    continue;
                }
                Matcher m = HEADER_LINE.matcher(line);
                if (m.matches()) {
                    name = m.group(1).toLowerCase(Locale.ROOT);
                    if (headers.containsKey(name)) {
                        name = null;  // only the first occurrence counts; skip this one's continuations
                    } else {
                        headers.put(name, m.group(2).strip());
                    }
                } else {
                    name = null;
                }
            }
            return new Entity(headers, body);
        }

        String header(String name) {
            return headers.getOrDefault(name, "");
        }

        /** The media type, lower case; text/plain when absent (RFC 2045 default). */
        String mimeType() {
            String value = header("content-type");
            int semi = value.indexOf(';');
            String type = (semi < 0 ? value : value.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
            return type.isEmpty() ? "text/plain" : type;
        }

        String param(Pattern param) {
            Matcher m = param.matcher(" " + header("content-type"));
            if (!m.find()) {
                return "";
            }
            return m.group(2) != null ? m.group(2) : m.group(1);
        }
    }
}
