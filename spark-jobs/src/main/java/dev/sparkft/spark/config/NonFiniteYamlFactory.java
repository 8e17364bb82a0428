package dev.sparkft.spark.config;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * A YAML factory whose parser reads YAML's non-finite floats ({@code .inf}, {@code -.inf}, {@code .nan} and
 * their case variants) as double Infinity / NaN. Jackson 2.15's parser types them as floats, then fails
 * to parse them ("Malformed numeric value '.inf'"), so the config error named neither the key nor the
 * problem. Read as numbers, they reach the typed config, which refuses them naming the key.
 * Only the Reader path is overridden: {@link ConfigLoader} parses strings.
 */
final class NonFiniteYamlFactory extends YAMLFactory {
    private static final long serialVersionUID = 1L;

    /** Jackson refuses to copy a subclass that does not say how (ObjectMapper.copy copies its factory). */
    @Override
    public YAMLFactory copy() {
        return new NonFiniteYamlFactory();
    }

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) throws IOException {
        return new Parser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, _objectCodec, r);
    }

    private static final class Parser extends YAMLParser {
        // YAML 1.1's float forms for the non-finite values (https://yaml.org/type/float.html).
        private static final Pattern INFINITY = Pattern.compile("[-+]?\\.(inf|Inf|INF)");
        private static final Pattern NAN = Pattern.compile("\\.(nan|NaN|NAN)");

        Parser(IOContext ctxt, int parserFeatures, int yamlFeatures, LoaderOptions options, ObjectCodec codec,
                Reader reader) {
            super(ctxt, parserFeatures, yamlFeatures, options, codec, reader);
        }

        @Override
        protected void _parseNumericValue(int expType) throws IOException {
            if (_currToken == JsonToken.VALUE_NUMBER_FLOAT && _textValue != null) {
                if (INFINITY.matcher(_textValue).matches()) {
                    _numberDouble = _textValue.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                    _numTypesValid = NR_DOUBLE;
                    return;
                }
                if (NAN.matcher(_textValue).matches()) {
                    _numberDouble = Double.NaN;
                    _numTypesValid = NR_DOUBLE;
                    return;
                }
            }
            super._parseNumericValue(expType);
        }
    }
}
