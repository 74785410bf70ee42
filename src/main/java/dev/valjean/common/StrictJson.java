package dev.valjean.common;

import java.io.IOException;

import jakarta.inject.Singleton;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;

/**
 * Request bodies are read strictly: an unknown property, a repeated key, a string where a boolean
 * or number belongs (or the reverse), and any control character in a text value are refused. A
 * text value is one line unless its field is {@link MultiLine}. So no input reaches a service,
 * the database or a mail header unchecked. This mapper reads request bodies (a JAX-RS context
 * resolver); the application's own mapper, which reads what Valjean stored itself, stays lenient.
 */
@Provider
@Singleton
public class StrictJson implements ContextResolver<ObjectMapper> {

    /** A text value with a character it may not hold; the problem names the field. */
    public static final class ForbiddenCharacter extends MismatchedInputException {
        private static final long serialVersionUID = 1L;

        ForbiddenCharacter(JsonParser parser, String message) {
            super(parser, message);
        }
    }

    private final ObjectMapper strict;

    public StrictJson(ObjectMapper base) {
        this.strict = base.copy();
        customize(strict);
    }

    /** The strict mapper, for request bodies read by hand (a signed webhook). */
    public ObjectMapper mapper() {
        return strict;
    }

    @Override
    public ObjectMapper getContext(Class<?> type) {
        return strict;
    }

    private static void customize(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        SimpleModule module = new SimpleModule("valjean-strict-text");
        module.addDeserializer(String.class, new Text(false));
        mapper.registerModule(module);
    }

    /** The first character a text value may not hold, or -1. */
    public static int forbidden(String value, boolean multiLine) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r') {
                if (!multiLine) {
                    return i;
                }
            } else if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                return i;
            }
        }
        return -1;
    }

    /** Strings only from JSON strings, without control characters; one line unless {@link MultiLine}. */
    static final class Text extends StdScalarDeserializer<String> implements ContextualDeserializer {
        private static final long serialVersionUID = 1L;
        private final boolean multiLine;

        Text(boolean multiLine) {
            super(String.class);
            this.multiLine = multiLine;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            boolean lines = property != null && property.getAnnotation(MultiLine.class) != null;
            return lines == multiLine ? this : new Text(lines);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
            String value = p.getText();
            int at = forbidden(value, multiLine);
            if (at >= 0) {
                char c = value.charAt(at);
                throw new ForbiddenCharacter(p, (c == '\n' || c == '\r') ? "must be one line" : String.format(
                        "must not contain control characters (U+%04X at position %d)", (int) c, at + 1));
            }
            return value;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }
    }
}
